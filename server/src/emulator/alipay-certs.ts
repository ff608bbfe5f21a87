/**
 * The emulated Alipay's own certificates in cert mode: the one that signs answers now, and
 * the ones it can rotate to, each with its private key. Rotation changes the certificate
 * that signs (and the `alipay_cert_sn` every answer names) the way Alipay does when its
 * certificate is renewed, so a client must download the new one and check its chain.
 *
 * @see https://opendocs.alipay.com/apis/api_9/alipay.open.app.alipaycert.download
 */
import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { alipayCertSnOf } from '../alipay/alipay-cert';

/** One certificate the emulated Alipay can sign with: its PEM (leaf first, then any intermediates) and key. */
export interface EmulatorAlipayCert {
  certPem: string;
  privateKey: string;
}

interface LoadedCert {
  sn: string;
  certPem: string;
  privateKey: KeyObject;
}

/** The certificates in order; the first signs until `rotate()` moves on to the next. */
export class EmulatorCertRing {
  private readonly certs: LoadedCert[];
  private activeIndex = 0;

  constructor(certs: readonly EmulatorAlipayCert[]) {
    if (certs.length === 0) throw new TypeError('cert mode needs at least one Alipay certificate');
    this.certs = certs.map((cert) => ({
      sn: alipayCertSnOf(new X509Certificate(cert.certPem)),
      certPem: cert.certPem,
      privateKey: createPrivateKey(cert.privateKey),
    }));
  }

  /** The certificate that signs answers now. */
  active(): LoadedCert {
    return this.certs[this.activeIndex];
  }

  /** Switches to the next certificate (wrapping around); returns its SN. */
  rotate(): string {
    this.activeIndex = (this.activeIndex + 1) % this.certs.length;
    return this.active().sn;
  }

  /** Any of the ring's certificates by SN, for the download method. */
  find(sn: string): LoadedCert | undefined {
    return this.certs.find((cert) => cert.sn === sn);
  }
}
