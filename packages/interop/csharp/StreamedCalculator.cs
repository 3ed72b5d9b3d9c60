// The calculator sample's contract on NetTcpBinding with TransferMode.Streamed (security off):
// each call is a singleton-mode connection ([MC-NMF] mode 1) with the sessionless binary encoding
// (application/soap+msbin1). Usage:
//   StreamedCalculator.exe service <address>   hosts ICalculator, prints "ready <address>", runs until ENTER
//   StreamedCalculator.exe client <address>    calls the four operations, each on a new channel, and prints each result
using System;
using System.ServiceModel;

namespace Microsoft.ServiceModel.Samples
{
    class StreamedCalculator
    {
        static NetTcpBinding Streamed()
        {
            var binding = new NetTcpBinding(SecurityMode.None);
            binding.TransferMode = TransferMode.Streamed;
            return binding;
        }

        static void Main(string[] args)
        {
            string address = args[1];
            if (args[0] == "service")
            {
                using (ServiceHost host = new ServiceHost(typeof(CalculatorService), new Uri(address)))
                {
                    host.AddServiceEndpoint(typeof(ICalculator), Streamed(), "");
                    host.Open();
                    Console.WriteLine("ready {0}", address);
                    Console.ReadLine();
                    host.Close();
                }
                return;
            }
            var factory = new ChannelFactory<ICalculator>(Streamed(), new EndpointAddress(address));
            // Mono fails a second call on one streamed channel (its own bug): one channel per call.
            Console.WriteLine("Add(100,15.99) = {0}", Call(factory, p => p.Add(100.00D, 15.99D)));
            Console.WriteLine("Subtract(145,76.54) = {0}", Call(factory, p => p.Subtract(145.00D, 76.54D)));
            Console.WriteLine("Multiply(9,81.25) = {0}", Call(factory, p => p.Multiply(9.00D, 81.25D)));
            Console.WriteLine("Divide(22,7) = {0}", Call(factory, p => p.Divide(22.00D, 7.00D)));
            factory.Close();
        }

        static double Call(ChannelFactory<ICalculator> factory, Func<ICalculator, double> call)
        {
            ICalculator proxy = factory.CreateChannel();
            double result = call(proxy);
            ((IClientChannel)proxy).Close();
            return result;
        }
    }
}
