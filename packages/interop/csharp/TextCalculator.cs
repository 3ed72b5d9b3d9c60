// The calculator sample's contract over a custom binding: TextMessageEncoding (SOAP 1.2,
// WS-Addressing 1.0, UTF-8) on the TCP transport, security off. Usage:
//   TextCalculator.exe service <address>   hosts ICalculator, prints "ready <address>", runs until ENTER
//   TextCalculator.exe client <address>    calls the four operations and prints each result
using System;
using System.ServiceModel;
using System.ServiceModel.Channels;

namespace Microsoft.ServiceModel.Samples
{
    class TextCalculator
    {
        static Binding TextOverTcp()
        {
            return new CustomBinding(
                new TextMessageEncodingBindingElement(MessageVersion.Soap12WSAddressing10, System.Text.Encoding.UTF8),
                new TcpTransportBindingElement());
        }

        static void Main(string[] args)
        {
            string address = args[1];
            if (args[0] == "service")
            {
                using (ServiceHost host = new ServiceHost(typeof(CalculatorService), new Uri(address)))
                {
                    host.AddServiceEndpoint(typeof(ICalculator), TextOverTcp(), "");
                    host.Open();
                    Console.WriteLine("ready {0}", address);
                    Console.ReadLine();
                    host.Close();
                }
                return;
            }
            var factory = new ChannelFactory<ICalculator>(TextOverTcp(), new EndpointAddress(address));
            ICalculator proxy = factory.CreateChannel();
            Console.WriteLine("Add(100,15.99) = {0}", proxy.Add(100.00D, 15.99D));
            Console.WriteLine("Subtract(145,76.54) = {0}", proxy.Subtract(145.00D, 76.54D));
            Console.WriteLine("Multiply(9,81.25) = {0}", proxy.Multiply(9.00D, 81.25D));
            Console.WriteLine("Divide(22,7) = {0}", proxy.Divide(22.00D, 7.00D));
            ((IClientChannel)proxy).Close();
            factory.Close();
        }
    }
}
