// The C# client's transports side by side against one host (scripts/bench_unity_client.sh builds
// and runs this under Mono): unary round trips and Say stream events/s, HTTP vs native gRPC.
// In "Tests~", which Unity does not import.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using NpcBridge;

static class ClientBench
{
    static T Await<T>(NpcBridgeClient client, Task<T> task)
    {
        while (!task.IsCompleted)
        {
            client.WaitForEvent(5);
            client.Poll();
        }
        return task.GetAwaiter().GetResult();
    }

    static int Main(string[] args)
    {
        string grpc = args[0], http = args[1];
        int trips = args.Length > 2 ? int.Parse(args[2]) : 300, streams = args.Length > 3 ? int.Parse(args[3]) : 5;
        Console.WriteLine("transport    round trip p50 / mean ms    Say events/s (" + streams + " replies)");
        foreach (var kind in new[] { TransportKind.NativeGrpc, TransportKind.Http })
        {
            using (var client = new NpcBridgeClient(new NpcBridgeClientOptions { Transport = kind, Address = grpc, HttpUrl = http }))
            {
                Await(client, client.ConnectAsync());
                var times = new List<double>();
                for (var i = 0; i < trips + 20; i++)
                {
                    var watch = Stopwatch.StartNew();
                    Await(client, client.GetServerInfoAsync());
                    if (i >= 20) times.Add(watch.Elapsed.TotalMilliseconds);  // after a warm-up
                }
                times.Sort();
                var character = Await(client, client.UpsertCharacterAsync(new Character { Name = "Bench" }));
                long events = 0;
                var total = Stopwatch.StartNew();
                for (var i = 0; i < streams; i++)
                {
                    var session = Await(client, client.CreateSessionAsync(character.Id, "bench"));
                    Await(client, client.SayAsync(session.Id, "tell me a story", onDelta: d => events++));
                }
                Console.WriteLine("{0,-12} {1,8:F2} / {2,-16:F2} {3,10:F0}", kind, times[times.Count / 2], times.Average(),
                                  events / total.Elapsed.TotalSeconds);
            }
        }
        return 0;
    }
}
