/**
 * Bytes of a real net.tcp conversation, for golden tests.
 *
 * Source: the capture `mono-calculator.pcap` (stock Mono 6.8 WCF client to a stock Mono WCF
 * service, NetTcpBinding with SecurityMode.None, via `net.tcp://localhost:9000/calculator/4381`,
 * ICalculator Add(100, 15.99) and Divide(22, 7)), TCP stream 0 (127.0.0.1:51298 to
 * 127.0.0.1:9000), extracted once with `tshark -r mono-calculator.pcap -q -z follow,tcp,raw,0`.
 * Each string below is the payload of one TCP segment, in the order they were sent; the segment
 * boundaries are kept because they are a real-world chunking.
 *
 * @module
 */

/** One TCP segment of the capture: who sent it and its payload as hex. */
export interface CaptureSegment {
  from: 'client' | 'server';
  hex: string;
}

/** Segments of mono-calculator.pcap, TCP stream 0, in wire order. */
export const MONO_CALCULATOR_SEGMENTS: readonly CaptureSegment[] = Object.freeze([
  // preamble: Version 1.0, Mode duplex, Via (40 bytes), KnownEncoding 0x08, PreambleEnd
  {
    from: 'client',
    hex:
      '000100010202286e65742e7463703a2f2f6c6f63616c686f73743a393030302f63616c63756c61746f722f3433383103' +
      '080c',
  },
  // PreambleAck
  { from: 'server', hex: '0b' },
  // SizedEnvelope, size 8e 02 = 270: the Add request
  {
    from: 'client',
    hex:
      '068e0206026e31026e3256020b0173040b0161065608440a1e00829935687474703a2f2f4d6963726f736f66742e5365' +
      '72766963654d6f64656c2e53616d706c65732f4943616c63756c61746f722f416464441aad7347fa6c65a2754287ea4a' +
      'e505d01e3e442c5e0741646472657373992e687474703a2f2f7777772e77332e6f72672f323030352f30382f61646472' +
      '657373696e672f616e6f6e796d6f757301440c1e008299286e65742e7463703a2f2f6c6f63616c686f73743a39303030' +
      '2f63616c63756c61746f722f3433383101560e40034164640825687474703a2f2f4d6963726f736f66742e5365727669' +
      '63654d6f64656c2e53616d706c6573420189644203937b14ae47e1fa2f40010101',
  },
  // SizedEnvelope, size b3 01 = 179: the Add response
  {
    from: 'server',
    hex:
      '06b3010a09416464526573756c7456020b0173040b0161065608440a1e0082993d687474703a2f2f4d6963726f736f66' +
      '742e536572766963654d6f64656c2e53616d706c65732f4943616c63756c61746f722f416464526573706f6e73654412' +
      'ad7347fa6c65a2754287ea4ae505d01e3e01560e400b416464526573706f6e73650825687474703a2f2f4d6963726f73' +
      '6f66742e536572766963654d6f64656c2e53616d706c65734201938fc2f5285cff5c40010101',
  },
  // SizedEnvelope, size 87 02 = 263: the Divide request
  {
    from: 'client',
    hex:
      '0687020056020b0173040b0161065608440a1e00829938687474703a2f2f4d6963726f736f66742e536572766963654d' +
      '6f64656c2e53616d706c65732f4943616c63756c61746f722f446976696465441aad29bd4ed6969ac2409d1155647782' +
      'fec5442c5e0741646472657373992e687474703a2f2f7777772e77332e6f72672f323030352f30382f61646472657373' +
      '696e672f616e6f6e796d6f757301440c1e008299286e65742e7463703a2f2f6c6f63616c686f73743a393030302f6361' +
      '6c63756c61746f722f3433383101560e40064469766964650825687474703a2f2f4d6963726f736f66742e5365727669' +
      '63654d6f64656c2e53616d706c65734201891642038907010101',
  },
  // SizedEnvelope, size bc 01 = 188: the Divide response
  {
    from: 'server',
    hex:
      '06bc010d0c446976696465526573756c7456020b0173040b0161065608440a1e00829940687474703a2f2f4d6963726f' +
      '736f66742e536572766963654d6f64656c2e53616d706c65732f4943616c63756c61746f722f44697669646552657370' +
      '6f6e73654412ad29bd4ed6969ac2409d1155647782fec501560e400e446976696465526573706f6e7365082568747470' +
      '3a2f2f4d6963726f736f66742e536572766963654d6f64656c2e53616d706c65734203934992244992240940010101',
  },
  // End (the client closes the session; this Mono service sends no End of its own)
  { from: 'client', hex: '07' },
]);
