using System;
using System.Runtime.InteropServices;

namespace NpcBridge.Native
{
    /// <summary>The C API of the native client (native_client/include/npcbridge/npcbridge.h).</summary>
    /// <remarks>
    /// Strings cross the boundary as UTF-8 byte arrays (NUL-terminated) and come back as
    /// pointers read with <see cref="Utf8.FromNative"/>: Mono and .NET marshal <c>string</c>
    /// differently per platform, explicit UTF-8 does not.
    /// </remarks>
    internal static class NativeMethods
    {
        const string Lib = "npcbridge";

        [StructLayout(LayoutKind.Sequential)]
        internal struct Event
        {
            public int Type;
            public int Code;
            public ulong RequestId;
            public IntPtr Text;
            public IntPtr Json;
            public IntPtr Data;
            public int DataLen;
            public int ConnectionState;
            public int ProgressCompleted;
            public int ProgressTotal;
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void EventCallback(ref Event ev, IntPtr userData);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_client_create(byte[] optionsJson, out IntPtr client);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void npcb_client_destroy(IntPtr client);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_connect(IntPtr client, out IntPtr serverInfoJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_call(IntPtr client, byte[] method, byte[] requestJson, out IntPtr responseJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_call_async(IntPtr client, byte[] method, byte[] requestJson, out ulong requestId);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_say(IntPtr client, byte[] sessionId, byte[] text, byte[] paramsJson, out ulong requestId);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_generate_avatar(IntPtr client, byte[] requestJson, out ulong requestId);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_cancel(IntPtr client, ulong requestId);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_poll(IntPtr client, EventCallback callback, IntPtr userData, int maxEvents);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_wait_for_event(IntPtr client, int timeoutMs);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int npcb_get_connection_state(IntPtr client);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void npcb_free_string(IntPtr s);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr npcb_last_error();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr npcb_api_version();
    }

    /// <summary>UTF-8 marshalling helpers.</summary>
    internal static class Utf8
    {
        /// <summary>NUL-terminated UTF-8 bytes, or null for a null string.</summary>
        public static byte[] ToNative(string s)
        {
            if (s == null) return null;
            var count = System.Text.Encoding.UTF8.GetByteCount(s);
            var bytes = new byte[count + 1];
            System.Text.Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Reads a NUL-terminated UTF-8 string the library owns.</summary>
        public static string FromNative(IntPtr p)
        {
            if (p == IntPtr.Zero) return string.Empty;
            var len = 0;
            while (Marshal.ReadByte(p, len) != 0) len++;
            var bytes = new byte[len];
            Marshal.Copy(p, bytes, 0, len);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Reads a string the caller owns, then frees it with npcb_free_string.</summary>
        public static string TakeNative(IntPtr p)
        {
            try { return FromNative(p); }
            finally { if (p != IntPtr.Zero) NativeMethods.npcb_free_string(p); }
        }
    }
}

#if !UNITY_5_3_OR_NEWER
namespace AOT
{
    /// <summary>Outside Unity: stands in for Unity's attribute that marks a static method as
    /// a native callback target, which IL2CPP needs to compile it ahead of time.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class MonoPInvokeCallbackAttribute : Attribute
    {
        public MonoPInvokeCallbackAttribute(Type type) { }
    }
}
#endif
