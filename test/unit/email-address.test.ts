import { describe, expect, it } from 'vitest';
import { maskAddressesIn, maskEmail } from '../../src/core/common/email-address.js';

describe('maskAddressesIn', () => {
  it('masks every address in a provider message, as maskEmail does', () => {
    expect(
      maskAddressesIn(
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: artist@x.com, bob.lee+dn@mail.example.co.uk.',
      ),
    ).toBe(
      'Email address is not verified. The following identities failed the check in region EU-WEST-1: a***@x.com, b***@mail.example.co.uk.',
    );
    expect(maskAddressesIn('artist@x.com')).toBe(maskEmail('artist@x.com'));
  });

  it('keeps display names, angle brackets, quotes and mailto: around the masked address', () => {
    expect(maskAddressesIn('Distro Nation <reports@distronation.test>, "Ann Lee" <ann@example.com>')).toBe(
      'Distro Nation <r***@distronation.test>, "Ann Lee" <a***@example.com>',
    );
    expect(maskAddressesIn("mailto:o'brien@x.com 'carl@x.org' (dan@x.net)")).toBe(
      "mailto:o***@x.com 'c***@x.org' (d***@x.net)",
    );
    expect(maskAddressesIn('ÉLODIE@exämple.fr')).toBe('É***@exämple.fr');
  });

  it('leaves text without an address alone', () => {
    for (const text of ['', 'Maximum sending rate exceeded.', 'a lone @ sign', 'version v@1.2.3']) {
      expect(maskAddressesIn(text)).toBe(text);
    }
  });
});
