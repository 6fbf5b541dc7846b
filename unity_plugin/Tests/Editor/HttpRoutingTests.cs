using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using NUnit.Framework;

namespace NpcBridge.Tests
{
    /// <summary>The HTTP transport as a fleet sees it, against a stand-in replica (HttpListener) that
    /// records each call's <c>x-npc-character</c> header and answers 503 as a balancer with no live
    /// replica does. The real host answers the same calls in NpcBridgeClientTests; the native
    /// transport's routing and retries run against real replicas in native_client/tests/test_routing.cpp.</summary>
    [TestFixture]
    public class HttpRoutingTests
    {
        sealed class StandIn : IDisposable
        {
            readonly HttpListener listener = new HttpListener();
            readonly Thread thread;
            public readonly List<string> Calls = new List<string>();  // "Method header"
            public int FailuresLeft;  // unary calls answered 503 before one succeeds
            public readonly string Url;

            public StandIn()
            {
                Url = "http://127.0.0.1:" + TestHost.FreePort() + "/";
                listener.Prefixes.Add(Url);
                listener.Start();
                thread = new Thread(Serve) { IsBackground = true };
                thread.Start();
            }

            void Serve()
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = listener.GetContext(); }
                    catch (Exception) { return; }
                    var method = context.Request.Url.AbsolutePath.Substring(context.Request.Url.AbsolutePath.LastIndexOf('/') + 1);
                    lock (Calls) Calls.Add(method + " " + (context.Request.Headers["x-npc-character"] ?? "-"));
                    var status = 200;
                    string body;
                    if (method == "GetServerInfo") body = "{\"api_version\":\"1.0.0\",\"runtime_version\":\"0\"}";
                    else if (method == "CreateSession") body = "{\"id\":\"s1\",\"character_id\":\"c1\",\"player_id\":\"p\"}";
                    else if (method == "Say" || Interlocked.Decrement(ref FailuresLeft) >= 0)
                    {
                        status = 503;  // HAProxy's own page, not the host's JSON
                        body = "<html><body><h1>503 Service Unavailable</h1>No server is available.</body></html>";
                    }
                    else body = "{\"id\":\"c1\",\"name\":\"Greta\"}";
                    var bytes = Encoding.UTF8.GetBytes(body);
                    context.Response.StatusCode = status;
                    context.Response.ContentLength64 = bytes.Length;
                    context.Response.OutputStream.Write(bytes, 0, bytes.Length);
                    context.Response.Close();
                }
            }

            public List<string> Seen()
            {
                lock (Calls) return new List<string>(Calls);
            }

            public void Dispose()
            {
                listener.Close();
            }
        }

        static NpcBridgeClient Client(StandIn standIn)
        {
            var client = new NpcBridgeClient(new NpcBridgeClientOptions { Transport = TransportKind.Http, HttpUrl = standIn.Url, TimeoutMs = 5000 });
            TestHost.Await(client, client.ConnectAsync());
            return client;
        }

        [Test]
        public void UnavailableUnaryCallsAreRetriedWithTheCharacterHeader()
        {
            using (var standIn = new StandIn())
            using (var client = Client(standIn))
            {
                standIn.FailuresLeft = 2;
                Assert.AreEqual("Greta", TestHost.Await(client, client.GetCharacterAsync("c1")).Name);
                var gets = standIn.Seen().FindAll(c => c.StartsWith("GetCharacter", StringComparison.Ordinal));
                Assert.AreEqual(new[] { "GetCharacter c1", "GetCharacter c1", "GetCharacter c1" }, gets.ToArray());

                standIn.FailuresLeft = 5;  // more than the attempts: the game gets UNAVAILABLE
                var e = Assert.Throws<NpcBridgeException>(() => TestHost.Await(client, client.GetCharacterAsync("c1")));
                Assert.AreEqual(StatusCode.Unavailable, e.Code);
                Assert.AreEqual(6, standIn.Seen().FindAll(c => c.StartsWith("GetCharacter", StringComparison.Ordinal)).Count);
            }
        }

        [Test]
        public void SayCarriesTheSessionsCharacterAndIsNeverRetried()
        {
            using (var standIn = new StandIn())
            using (var client = Client(standIn))
            {
                var session = TestHost.Await(client, client.CreateSessionAsync("c1", "p"));
                var e = Assert.Throws<NpcBridgeException>(() => TestHost.Await(client, client.SayAsync(session.Id, "Hello")));
                Assert.AreEqual(StatusCode.Unavailable, e.Code);
                var seen = standIn.Seen();
                Assert.Contains("CreateSession c1", seen);
                Assert.AreEqual(new[] { "Say c1" }, seen.FindAll(c => c.StartsWith("Say", StringComparison.Ordinal)).ToArray());
                Assert.Contains("GetServerInfo -", seen);  // no character: no header, round robin
            }
        }
    }
}
