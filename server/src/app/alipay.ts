/**
 * The Alipay client as `app.alipay`, and what the clients need to reach Alipay's pages as
 * `app.clientConfig`: the merchant's app and Alipay's gateway in alipay mode, the emulator's
 * keys and `/emulator` paths in emulator mode. Every call is observed in `app.metrics`.
 * @see https://opendocs.alipay.com/common/02kf5q (gateway)
 * @see https://opendocs.alipay.com/open/284/web (auth_base OAuth for H5 pages)
 */
import { join } from 'node:path';
import fp from 'fastify-plugin';
import { ClientConfig } from '../../../utils/api-contract';
import { AlipayClientOptions, AlipayGateway, createAlipayClient } from '../alipay/alipay-client';
import { EMBEDDED_EMULATOR_CONNECTIONS } from '../alipay/gateway-transport';
import { ServerConfig } from '../config';
import { EmulatorKeys } from '../emulator/keys';
import { instrumentAlipayGateway } from '../operations/alipay-metrics';

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway every service and worker calls. */
    alipay: AlipayGateway;
    /** `GET /api/client-config`'s answer. */
    clientConfig: ClientConfig;
  }
}

export interface AlipayOptions {
  config: ServerConfig;
  /** Emulator mode: the keys the emulator signs with and knows the app by. */
  emulatorKeys?: EmulatorKeys;
  /** Replaces the real client (tests with a double or a recording wrapper). */
  alipay?: AlipayGateway;
}

/** Creates the client (closed with the app) and the client config. Needs `dependencies`. */
export const alipay = fp<AlipayOptions>(
  async (app, { config, emulatorKeys, alipay: injected }) => {
    let clientOptions: AlipayClientOptions;
    let clientConfig: ClientConfig;
    if (config.alipay.mode === 'alipay') {
      clientOptions = {
        ...config.alipay,
        timeoutMs: config.alipayTimeoutMs,
        clock: app.clock,
        certCacheDir: join(config.dataDir, 'alipay-certs'),
        log: app.log.child({ component: 'alipay-client' }),
      };
      clientConfig = {
        mode: 'alipay',
        appId: config.alipay.appId,
        oauthAuthorizeUrl: config.alipay.oauthAuthorizeUrl,
        branding: config.branding,
        minorPolicy: config.minorPolicy,
      };
    } else {
      if (!emulatorKeys) throw new TypeError('emulator mode needs the emulator keys');
      const emulatorBase = config.alipay.emulatorUrl ?? config.publicUrl;
      clientOptions = {
        appId: emulatorKeys.appId,
        privateKey: emulatorKeys.appPrivateKey,
        keyType: 'PKCS8',
        alipayPublicKey: emulatorKeys.alipayPublicKey,
        gateway: `${emulatorBase}/emulator/gateway.do`,
        timeoutMs: config.alipayTimeoutMs,
        clock: app.clock,
        gatewayConnections: config.alipay.emulatorUrl === undefined ? EMBEDDED_EMULATOR_CONNECTIONS : undefined,
      };
      clientConfig = {
        mode: 'emulator',
        appId: emulatorKeys.appId,
        oauthAuthorizeUrl: `${emulatorBase}/emulator/oauth2/publicAppAuthorize.htm`,
        branding: config.branding,
        minorPolicy: config.minorPolicy,
      };
    }
    if (config.h5DoneUrl !== undefined) clientConfig.doneUrl = config.h5DoneUrl;
    let gateway: AlipayGateway;
    if (injected) {
      gateway = injected;
    } else {
      const client = createAlipayClient(clientOptions);
      app.addHook('onClose', async () => client.close());
      gateway = client;
    }
    app.decorate('alipay', instrumentAlipayGateway(gateway, app.metrics));
    app.decorate('clientConfig', clientConfig);
  },
  { name: 'alipay', dependencies: ['dependencies'] },
);
