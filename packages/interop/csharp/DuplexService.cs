// The Duplex sample's service, self-hosted on net.tcp (the sample's binding is wsDualHttpBinding;
// net.tcp carries duplex natively). Usage: DuplexService.exe <address>. Prints the address once
// it listens and runs until ENTER.
using System;
using System.ServiceModel;

namespace Microsoft.ServiceModel.Samples
{
    [ServiceBehavior(InstanceContextMode = InstanceContextMode.PerSession)]
    public class CalculatorService : ICalculatorDuplex
    {
        double result = 0.0D;
        string equation;

        public CalculatorService()
        {
            equation = result.ToString();
        }

        public void Clear()
        {
            Callback.Equation(equation + " = " + result.ToString());
            result = 0.0D;
            equation = result.ToString();
        }

        public void AddTo(double n)
        {
            result += n;
            equation += " + " + n.ToString();
            Callback.Result(result);
        }

        public void SubtractFrom(double n)
        {
            result -= n;
            equation += " - " + n.ToString();
            Callback.Result(result);
        }

        public void MultiplyBy(double n)
        {
            result *= n;
            equation += " * " + n.ToString();
            Callback.Result(result);
        }

        public void DivideBy(double n)
        {
            result /= n;
            equation += " / " + n.ToString();
            Callback.Result(result);
        }

        ICalculatorDuplexCallback Callback
        {
            get { return OperationContext.Current.GetCallbackChannel<ICalculatorDuplexCallback>(); }
        }
    }

    class DuplexService
    {
        static void Main(string[] args)
        {
            string address = args[0];
            using (ServiceHost host = new ServiceHost(typeof(CalculatorService), new Uri(address)))
            {
                host.AddServiceEndpoint(typeof(ICalculatorDuplex), new NetTcpBinding(SecurityMode.None), "");
                host.Open();
                Console.WriteLine("The service is ready at {0}", address);
                Console.WriteLine("Press <ENTER> to terminate service.");
                Console.ReadLine();
                host.Close();
            }
        }
    }
}
