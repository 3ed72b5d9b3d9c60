// The Duplex sample's client on net.tcp. Usage: DuplexClient.exe <address>. The calls are one-way;
// the service's answers arrive on the callback handler and are printed as they come.
using System;
using System.ServiceModel;

namespace Microsoft.ServiceModel.Samples
{
    public class CallbackHandler : ICalculatorDuplexCallback
    {
        public void Result(double result)
        {
            Console.WriteLine("Result({0})", result);
        }

        public void Equation(string eqn)
        {
            Console.WriteLine("Equation({0})", eqn);
        }
    }

    class DuplexClient
    {
        static void Main(string[] args)
        {
            InstanceContext instanceContext = new InstanceContext(new CallbackHandler());
            var factory = new DuplexChannelFactory<ICalculatorDuplex>(instanceContext, new NetTcpBinding(SecurityMode.None),
                                                                      new EndpointAddress(args[0]));
            ICalculatorDuplex client = factory.CreateChannel();

            Console.WriteLine("Press <ENTER> to terminate client once the output is displayed.");
            Console.WriteLine();

            client.AddTo(100.00D);
            client.SubtractFrom(50.00D);
            client.MultiplyBy(17.65D);
            client.DivideBy(2.00D);
            client.Clear();

            Console.ReadLine();
            ((IClientChannel)client).Close();
            factory.Close();
        }
    }
}
