// The ITest contract shared by the Mono client and the Mono service of the interop tests. The
// TypeScript twin is src/test-contract.ts: names, namespaces, parameter names and member names must
// match one for one, since WCF derives every Action and element name from them.
using System;
using System.Collections.Generic;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace Portshare.Interop
{
    public static class Names
    {
        public const string Service = "http://schemas.portshare.dev/interop";
        public const string Data = "http://schemas.portshare.dev/interop/data";
        public const string Faults = "http://schemas.portshare.dev/interop/faults";
    }

    [DataContract(Namespace = Names.Data)]
    public class Address
    {
        [DataMember] public string Street;
        [DataMember] public string City;
        [DataMember] public int Zip;
    }

    [DataContract(Namespace = Names.Data)]
    public class Person
    {
        [DataMember] public string Name;
        [DataMember] public int Age;
        [DataMember] public double[] Scores;
        [DataMember] public Address Address;
    }

    // Enums without [DataContract]: their contract namespace is
    // http://schemas.datacontract.org/2004/07/Portshare.Interop.
    public enum Color { Red, Green, Blue }

    [Flags]
    public enum Access { None = 0, Read = 1, Write = 2, Delete = 4 }

    [DataContract(Namespace = Names.Faults)]
    public class MyFault
    {
        [DataMember] public int Code;
        [DataMember] public string Reason;
    }

    [ServiceContract(Namespace = Names.Service)]
    public interface ITest
    {
        [OperationContract] string EchoString(string value);
        [OperationContract] int EchoInt(int value);
        [OperationContract] long EchoLong(long value);
        [OperationContract] bool EchoBool(bool value);
        [OperationContract] float EchoFloat(float value);
        [OperationContract] double EchoDouble(double value);
        [OperationContract] decimal EchoDecimal(decimal value);
        [OperationContract] DateTime EchoDateTime(DateTime value);
        [OperationContract] Guid EchoGuid(Guid value);
        [OperationContract] TimeSpan EchoTimeSpan(TimeSpan value);
        [OperationContract] byte[] EchoBytes(byte[] value);
        [OperationContract] int[] EchoInts(int[] value);
        [OperationContract] string[] EchoStrings(string[] value);
        [OperationContract] Person EchoPerson(Person value);
        [OperationContract] byte EchoByte(byte value);
        [OperationContract] sbyte EchoSByte(sbyte value);
        [OperationContract] short EchoShort(short value);
        [OperationContract] ushort EchoUShort(ushort value);
        [OperationContract] uint EchoUInt(uint value);
        [OperationContract] ulong EchoULong(ulong value);
        [OperationContract] char EchoChar(char value);
        [OperationContract] Uri EchoUri(Uri value);
        [OperationContract] int? EchoNullableInt(int? value);
        [OperationContract] Color EchoColor(Color value);
        [OperationContract] Access EchoAccess(Access value);
        [OperationContract] Dictionary<string, int> EchoDictionary(Dictionary<string, int> value);
        [OperationContract] DateTimeOffset EchoDateTimeOffset(DateTimeOffset value);
        [OperationContract] void Fail(string reason);
        [OperationContract] [FaultContract(typeof(MyFault))] void FailTyped(int code, string reason);
        [OperationContract] int DivInt(int a, int b);
        [OperationContract(IsOneWay = true)] void Notify(string message);
        [OperationContract] string LastNotified();
        // out and ref parameters: the request carries the in and ref parameters, the reply the
        // result and then every out and ref parameter, in declaration order
        // (DataContractSerializerOperationFormatter). Their TypeScript twin is
        // test/out-ref-contract.ts.
        [OperationContract] int Divide(int a, int b, out int remainder);
        [OperationContract] void Swap(ref string x, ref string y);
        [OperationContract] string Concat(string a, out int length, ref int counter);
        [OperationContract] bool Older(ref Person person, int years, out double[] scores);
        // Not in the TypeScript contract on purpose: calling it shows how an Action the service
        // does not know is answered.
        [OperationContract] void NotImplementedHere();
    }
}
