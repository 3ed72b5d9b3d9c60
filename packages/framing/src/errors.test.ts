import { describe, expect, it } from 'vitest';
import { FramingError, FramingErrorCodes, PortshareError } from './errors.js';
import type * as ErrorsModule from './errors.js';
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

  it('instanceof works across copies of the package (brand symbols)', async () => {
    // A second copy of the module, as a nested install would load: other classes, same brands.
    const copy = (await import(`${new URL('../dist/errors.js', import.meta.url).href}?copy=2`)) as typeof ErrorsModule;
    expect(copy.FramingError).not.toBe(FramingError);
    const foreign = new copy.FramingError(FramingErrorCodes.AT_END, 'from another copy');
    expect(foreign).toBeInstanceOf(PortshareError);
    expect(foreign).toBeInstanceOf(FramingError);
    expect(new FramingError(FramingErrorCodes.AT_END, 'here')).toBeInstanceOf(copy.FramingError);
    expect(new Error('plain')).not.toBeInstanceOf(PortshareError);
    expect(null).not.toBeInstanceOf(PortshareError);
  });

  it('a subclass is not every other portshare error: each class checks its own brand', () => {
    class OtherError extends PortshareError<'OTHER_ERR_X'> {}
    const other = new OtherError('OTHER_ERR_X', 'x');
    expect(other).toBeInstanceOf(PortshareError);
    expect(other).not.toBeInstanceOf(FramingError);
    expect(new FramingError(FramingErrorCodes.AT_END, 'x')).not.toBeInstanceOf(OtherError);
    expect(other.name).toBe('OtherError');
    expect(other.code).toBe('OTHER_ERR_X');
  });

  it('every code follows NMF_ERR_<NAME> and matches its key', () => {
    for (const [key, code] of Object.entries(FramingErrorCodes)) {
      expect(code).toBe(`NMF_ERR_${key}`);
    }
  });
});
