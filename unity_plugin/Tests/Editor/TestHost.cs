using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace NpcBridge.Tests
{
    /// <summary>
    /// The real Python host on an ephemeral 127.0.0.1 port, started once for the whole run
    /// (scripted replies, rules-only moderation) and stopped when the process exits.
    /// NPCBRIDGE_PYTHON names the interpreter that has npcbridge installed.
    /// </summary>
    public static class TestHost
    {
        static Process process;
        static string address;
        static string httpUrl;

        /// <summary>The host's gRPC address (the NativeGrpc transport).</summary>
        public static string Address
        {
            get
            {
                if (address == null) Start();
                return address;
            }
        }

        /// <summary>The host's HTTP face (the Http transport).</summary>
        public static string HttpUrl
        {
            get
            {
                if (httpUrl == null) Start();
                return httpUrl;
            }
        }

        /// <summary>Options that reach the test host over <paramref name="transport"/>.</summary>
        public static NpcBridgeClientOptions Options(TransportKind transport)
        {
            return new NpcBridgeClientOptions { Transport = transport, Address = Address, HttpUrl = HttpUrl, ClientName = "unity-tests" };
        }

        public static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        static string Python
        {
            get
            {
                var p = Environment.GetEnvironmentVariable("NPCBRIDGE_PYTHON");
                return string.IsNullOrEmpty(p) ? "python3" : p;
            }
        }

        /// <summary>The scripted replies every test host answers from (written once).</summary>
        static string Script()
        {
            var script = Path.Combine(Path.GetTempPath(), "npcbridge-unity-tests.yaml");
            var story = string.Join(" ", Enumerable.Range(0, 300).Select(i => "word" + i).ToArray());
            File.WriteAllText(script,
                "token_delay_ms: 5\nreplies:\n  - pattern: \"\\\\bhello\\\\b\"\n    reply: \"Well met, traveller. I am {character}.\"\n" +
                "  - pattern: \"\\\\bsword\\\\b\"\n    reply: \"Here, take it.\"\n    emotion: happy\n" +
                "    actions: [{name: give_item, arguments: {item: sword}}]\n" +
                "  - pattern: \"\\\\bstory\\\\b\"\n    reply: \"" + story + "\"\ndefault: \"You said: {text}\"\n");
            return script;
        }

        static void Start()
        {
            var script = Script();
            var port = FreePort();
            var httpPort = FreePort();
            var info = new ProcessStartInfo(Python,
                "-m npcbridge.cli serve --backend scripted --script \"" + script + "\" --port " + port +
                " --db :memory: --log-level warning --grace-period 0.5 --http-port " + httpPort)
            { UseShellExecute = false };
            info.EnvironmentVariables["NPCBRIDGE_MODERATION_CLASSIFIER"] = "false";
            process = Process.Start(info);
            // Test runners unload the test domain rather than exit: stop the host on either.
            AppDomain.CurrentDomain.ProcessExit += (s, e) => Stop();
            AppDomain.CurrentDomain.DomainUnload += (s, e) => Stop();
            address = "127.0.0.1:" + port;
            httpUrl = "http://127.0.0.1:" + httpPort;
            // Wait for health SERVING with the Python client's own check.
            var probe = Process.Start(new ProcessStartInfo(Python,
                "-c \"import sys; from npcbridge.transport.client import HostClient; " +
                "HostClient(sys.argv[1], timeout_s=2).wait_serving(180)\" " + address) { UseShellExecute = false });
            probe.WaitForExit();
            if (probe.ExitCode != 0) throw new InvalidOperationException("the test host did not turn SERVING");
        }

        /// <summary>Another scripted host on the given ports (for tests that stop and restart one);
        /// returns once it is SERVING.</summary>
        public static Process Spawn(int port, int httpPort)
        {
            var info = new ProcessStartInfo(Python,
                "-m npcbridge.cli serve --backend scripted --script \"" + Script() + "\" --no-moderation --no-avatars --port " + port +
                " --db :memory: --log-level warning --grace-period 0.2 --http-port " + httpPort)
            { UseShellExecute = false };
            var spawned = Process.Start(info);
            var probe = Process.Start(new ProcessStartInfo(Python,
                "-c \"import sys; from npcbridge.transport.client import HostClient; " +
                "HostClient(sys.argv[1], timeout_s=2).wait_serving(120)\" 127.0.0.1:" + port) { UseShellExecute = false });
            probe.WaitForExit();
            if (probe.ExitCode != 0)
            {
                if (!spawned.HasExited) spawned.Kill();
                throw new InvalidOperationException("the spawned host did not turn SERVING");
            }
            return spawned;
        }

        public static void Stop()
        {
            if (process != null && !process.HasExited) process.Kill();
            process = null;
        }

        /// <summary>Pumps Poll (as a game's Update would) until the task ends; returns its result.</summary>
        public static T Await<T>(NpcBridgeClient client, Task<T> task, int timeoutMs = 30000)
        {
            Pump(client, task, timeoutMs);
            return task.GetAwaiter().GetResult();
        }

        public static void Await(NpcBridgeClient client, Task task, int timeoutMs = 30000)
        {
            Pump(client, task, timeoutMs);
            task.GetAwaiter().GetResult();
        }

        static void Pump(NpcBridgeClient client, Task task, int timeoutMs)
        {
            var watch = Stopwatch.StartNew();
            while (!task.IsCompleted)
            {
                if (watch.ElapsedMilliseconds > timeoutMs) throw new TimeoutException("the call did not finish in time");
                client.WaitForEvent(50);
                client.Poll();
            }
        }
    }
}
