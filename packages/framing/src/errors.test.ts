import { describe, expect, it } from 'vitest';
import { FramingError, FramingErrorCodes, PortshareError } from './errors.js';
import { FaultUri } from './records.js';

describe('error hierarchy', () => {
  it('FramingError is a PortshareError with code, fault URI and position', () => {
    const cause = new Error('inner');
    const error = new FramingError(FramingErrorCodes.VIA_TOO_LONG, 'too long', {
      faultUri: FaultUri.ViaTooLong,
      position: 7,
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(PortshareError);
    expect(error).toBeInstanceOf(FramingError);
    expect(error.name).toBe('FramingError');
    expect(error.code).toBe('NMF_ERR_VIA_TOO_LONG');
    expect(error.faultUri).toBe(FaultUri.ViaTooLong);
    expect(error.position).toBe(7);
    expect(error.cause).toBe(cause);
  });

  it('other packages subclass PortshareError without becoming FramingErrors', () => {
    class DemoError extends PortshareError {}
    const error = new DemoError('DEMO_ERR_X', 'x');
    expect(error).toBeInstanceOf(PortshareError);
    expect(error).toBeInstanceOf(DemoError);
    expect(error).not.toBeInstanceOf(FramingError);
    expect(error.name).toBe('DemoError');
    expect(error.code).toBe('DEMO_ERR_X');
    expect('cause' in error).toBe(false);
  });

  it('instanceof works across copies of the package (brand symbols)', () => {
    // A structurally foreign object carrying the brands, as an error from a second copy would.
    const foreign = new Error('from another copy');
    Object.defineProperty(foreign, Symbol.for('@portshare/error'), { value: true });
    Object.defineProperty(foreign, Symbol.for('@portshare/framing/error'), { value: true });
    expect(foreign).toBeInstanceOf(PortshareError);
    expect(foreign).toBeInstanceOf(FramingError);
    expect(new Error('plain')).not.toBeInstanceOf(PortshareError);
    expect(null).not.toBeInstanceOf(PortshareError);
  });

  it('every code follows NMF_ERR_<NAME> and matches its key', () => {
    for (const [key, code] of Object.entries(FramingErrorCodes)) {
      expect(code).toBe(`NMF_ERR_${key}`);
    }
  });
});
