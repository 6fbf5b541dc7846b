using System.IO;
using System.Runtime.Serialization.Json;
using System.Text;

namespace NpcBridge
{
    /// <summary>JSON of the native client (protobuf's mapping, .proto field names), via the
    /// framework's DataContractJsonSerializer: maps as plain JSON objects.</summary>
    internal static class Json
    {
        static readonly DataContractJsonSerializerSettings Settings =
            new DataContractJsonSerializerSettings { UseSimpleDictionaryFormat = true };

        public static T Parse<T>(string json)
        {
            var serializer = new DataContractJsonSerializer(typeof(T), Settings);
            using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(json)))
            {
                return (T)serializer.ReadObject(stream);
            }
        }

        public static string Write<T>(T value)
        {
            var serializer = new DataContractJsonSerializer(typeof(T), Settings);
            using (var stream = new MemoryStream())
            {
                serializer.WriteObject(stream, value);
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }
    }
}
