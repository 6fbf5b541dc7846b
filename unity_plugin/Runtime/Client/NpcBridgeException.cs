using System;

namespace NpcBridge
{
    /// <summary>Mirrors gRPC status codes, plus <see cref="ConnectionFailed"/> when the host cannot be reached.</summary>
    public enum StatusCode
    {
        Ok = 0, Cancelled = 1, Unknown = 2, InvalidArgument = 3, DeadlineExceeded = 4, NotFound = 5,
        AlreadyExists = 6, PermissionDenied = 7, ResourceExhausted = 8, FailedPrecondition = 9, Aborted = 10,
        OutOfRange = 11, Unimplemented = 12, Internal = 13, Unavailable = 14, DataLoss = 15, Unauthenticated = 16,
        ConnectionFailed = 100
    }

    /// <summary>The channel's state; the client reconnects by itself when the host comes back.</summary>
    public enum ConnectionState { Idle = 0, Connecting = 1, Ready = 2, TransientFailure = 3, Shutdown = 4 }

    /// <summary>A call failed: <see cref="Code"/> says how, the message says what to do.</summary>
    public sealed class NpcBridgeException : Exception
    {
        public StatusCode Code { get; private set; }

        public NpcBridgeException(StatusCode code, string message) : base(code + ": " + message)
        {
            Code = code;
        }
    }
}
