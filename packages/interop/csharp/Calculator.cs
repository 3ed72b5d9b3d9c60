// The Net.TCP Port Sharing sample's contract and service, as on the sample's page.
using System;
using System.ServiceModel;

namespace Microsoft.ServiceModel.Samples
{
    [ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples")]
    public interface ICalculator
    {
        [OperationContract] double Add(double n1, double n2);
        [OperationContract] double Subtract(double n1, double n2);
        [OperationContract] double Multiply(double n1, double n2);
        [OperationContract] double Divide(double n1, double n2);
    }

    public class CalculatorService : ICalculator
    {
        public double Add(double n1, double n2) { return n1 + n2; }
        public double Subtract(double n1, double n2) { return n1 - n2; }
        public double Multiply(double n1, double n2) { return n1 * n2; }
        public double Divide(double n1, double n2) { return n1 / n2; }
    }
}
