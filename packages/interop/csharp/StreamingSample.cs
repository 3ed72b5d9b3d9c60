// WCF's "Stream" sample contract (IStreamingSample) on NetTcpBinding with TransferMode.Streamed
// (security off), with content the TypeScript sample (samples/streaming) computes the same way:
// the sample "file" is `size` bytes where byte i is (i * 31 + 7) % 251. Usage:
//   StreamingSample.exe service <address>          hosts IStreamingSample, prints "ready <address>", runs until ENTER
//   StreamingSample.exe client <address> <size>    calls the four operations, each on a new channel, and prints one line each
using System;
using System.IO;
using System.ServiceModel;

namespace Microsoft.ServiceModel.Samples
{
    [ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples")]
    public interface IStreamingSample
    {
        [OperationContract]
        Stream GetStream(string data);
        [OperationContract]
        bool UploadStream(Stream stream);
        [OperationContract]
        Stream EchoStream(Stream stream);
        [OperationContract]
        Stream GetReversedStream();
    }

    static class SampleFile
    {
        public static byte[] Make(int size)
        {
            var bytes = new byte[size];
            for (int i = 0; i < size; i++) bytes[i] = (byte)((i * 31 + 7) % 251);
            return bytes;
        }

        // FNV-1a over the bytes, printed as 8 hex digits: both sides print it, so a test compares content.
        public static string Digest(Stream stream, out long length)
        {
            uint hash = 2166136261;
            length = 0;
            var buffer = new byte[65536];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (int i = 0; i < n; i++) { hash ^= buffer[i]; hash *= 16777619; }
                length += n;
            }
            return hash.ToString("x8");
        }
    }

    public class StreamingService : IStreamingSample
    {
        public const int FileSize = 300000;

        public Stream GetStream(string data)
        {
            return new MemoryStream(SampleFile.Make(FileSize));
        }

        public bool UploadStream(Stream stream)
        {
            long length;
            string digest = SampleFile.Digest(stream, out length);
            Console.WriteLine("uploaded {0} {1}", length, digest);
            return true;
        }

        public Stream EchoStream(Stream stream)
        {
            // As the WCF sample does (through a file): read the whole request, then answer.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return copy;
        }

        public Stream GetReversedStream()
        {
            byte[] bytes = SampleFile.Make(FileSize);
            Array.Reverse(bytes);
            return new MemoryStream(bytes);
        }
    }

    class StreamingSample
    {
        static NetTcpBinding Streamed()
        {
            var binding = new NetTcpBinding(SecurityMode.None);
            binding.TransferMode = TransferMode.Streamed;
            binding.MaxReceivedMessageSize = 1L << 30;
            // Mono reads a Stream part as one string of content, so its reader quotas bound it.
            binding.ReaderQuotas.MaxStringContentLength = int.MaxValue;
            binding.ReaderQuotas.MaxArrayLength = int.MaxValue;
            binding.ReaderQuotas.MaxBytesPerRead = int.MaxValue;
            return binding;
        }

        static void Main(string[] args)
        {
            string address = args[1];
            if (args[0] == "service")
            {
                using (ServiceHost host = new ServiceHost(typeof(StreamingService), new Uri(address)))
                {
                    host.AddServiceEndpoint(typeof(IStreamingSample), Streamed(), "");
                    host.Open();
                    Console.WriteLine("ready {0}", address);
                    Console.ReadLine();
                    host.Close();
                }
                return;
            }
            int size = int.Parse(args[2]);
            var factory = new ChannelFactory<IStreamingSample>(Streamed(), new EndpointAddress(address));
            long length;
            // Mono fails a second call on one streamed channel (its own bug): one channel per call.
            IStreamingSample proxy = factory.CreateChannel();
            Console.WriteLine("GetStream {0}", SampleFile.Digest(proxy.GetStream("some data"), out length) + " " + length);
            ((IClientChannel)proxy).Close();
            proxy = factory.CreateChannel();
            Console.WriteLine("UploadStream {0}", proxy.UploadStream(new MemoryStream(SampleFile.Make(size))));
            ((IClientChannel)proxy).Close();
            proxy = factory.CreateChannel();
            Console.WriteLine("EchoStream {0}", SampleFile.Digest(proxy.EchoStream(new MemoryStream(SampleFile.Make(size))), out length) + " " + length);
            ((IClientChannel)proxy).Close();
            proxy = factory.CreateChannel();
            Console.WriteLine("GetReversedStream {0}", SampleFile.Digest(proxy.GetReversedStream(), out length) + " " + length);
            ((IClientChannel)proxy).Close();
            factory.Close();
        }
    }
}
