// The binding both ITest programs use, so client and service agree on it.
using System;
using System.ServiceModel;

namespace Portshare.Interop
{
    public static class Bindings
    {
        /// <summary>net.tcp with SecurityMode.None (no stream upgrade), buffered, with the message quotas raised to maxMessage.</summary>
        public static NetTcpBinding Create(long maxMessage)
        {
            var binding = new NetTcpBinding(SecurityMode.None);
            binding.MaxReceivedMessageSize = maxMessage;
            binding.MaxBufferSize = (int)maxMessage;
            binding.ReaderQuotas.MaxStringContentLength = (int)maxMessage;
            binding.ReaderQuotas.MaxArrayLength = (int)maxMessage;
            binding.ReaderQuotas.MaxBytesPerRead = (int)maxMessage;
            binding.SendTimeout = TimeSpan.FromSeconds(30);
            binding.ReceiveTimeout = TimeSpan.FromSeconds(30);
            binding.OpenTimeout = TimeSpan.FromSeconds(30);
            binding.CloseTimeout = TimeSpan.FromSeconds(30);
            return binding;
        }
    }
}
