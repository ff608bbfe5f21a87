/**
 * The emulated cloud itself: both documented call forms of each identification call give the
 * same answers, camelCase in and snake_case out over the real gateway emulator, `passed` as an
 * array by default, the answer shapes the documentation leaves open, refusals with codes, and
 * the in-memory database's filters.
 */
import { makeCertNo, TEST_NAMES } from '../../tests/support/identities';
import { EmulatedCloudError } from '../emulated-cloud/emulated-identification';
import { MemoryDatabase, MemoryDatabaseError } from '../emulated-cloud/memory-database';
import { IdentificationApi } from '../types/serverless';
import { CloudHarness, startCloudHarness } from './support';

let harness: CloudHarness;
let api: IdentificationApi;

beforeEach(async () => {
  harness = await startCloudHarness();
  api = harness.cloud.identification.api;
});

afterEach(async () => {
  await harness.close();
});

const identityParam = { identityType: 'CERT_INFO' as const, certType: 'IDENTITY_CARD', certName: TEST_NAMES[0], certNo: makeCertNo(60) };
const merchantConfig = { returnUrl: 'https://merchant.example/verified' };

describe('init', () => {
  it('answers {code, msg, certify_id} in the object form (SDK >= 1.0.0)', async () => {
    const answer = await api.init({ outerOrderNo: 'IVOBJECT0001', bizCode: 'FACE', identityParam, merchantConfig });
    expect(answer).toEqual({ code: '10000', msg: 'Success', certify_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(harness.cloud.identification.calls).toEqual([{ call: 'init', form: 'object', appAuthToken: false }]);
  });

  it('answers the same in the positional form (before SDK 1.0.0)', async () => {
    const answer = await api.init('IVPOSITIONAL0001', 'FACE', identityParam, merchantConfig);
    expect(answer).toEqual({ code: '10000', msg: 'Success', certify_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(harness.cloud.identification.calls).toEqual([{ call: 'init', form: 'positional', appAuthToken: false }]);
  });

  it('passes the gateway\'s refusal through, snake_case (a repeated outer_order_no)', async () => {
    await api.init({ outerOrderNo: 'IVREPEATED0001', bizCode: 'FACE', identityParam, merchantConfig });
    const answer = await api.init({ outerOrderNo: 'IVREPEATED0001', bizCode: 'FACE', identityParam, merchantConfig });
    expect(answer).toMatchObject({ code: '40004', sub_code: 'OUTER_ORDER_NO_DUPLICATED' });
  });

  it('records an ISV call\'s appAuthToken without keeping it', async () => {
    await api.init({ outerOrderNo: 'IVISV0001', bizCode: 'FACE', identityParam, merchantConfig }, { appAuthToken: 'token-1' });
    expect(harness.cloud.identification.calls).toEqual([{ call: 'init', form: 'object', appAuthToken: true }]);
  });

  it('rejects arguments of neither form with CLOUD_BAD_ARGUMENTS', async () => {
    const init = api.init as unknown as (...args: unknown[]) => Promise<unknown>;
    await expect(init(42)).rejects.toMatchObject({ code: 'CLOUD_BAD_ARGUMENTS' });
    await expect(init({ outerOrderNo: 'IVBAD0001' }, 'token')).rejects.toBeInstanceOf(EmulatedCloudError);
    await expect(init({ outerOrderNo: 'IVBAD0001' }, 'token')).rejects.toMatchObject({ code: 'CLOUD_BAD_ARGUMENTS' });
  });

  it('rejects with CLOUD_ANSWER_UNVERIFIED when the gateway\'s success is unsigned', async () => {
    await harness.setFaults({ unsignedShare: 1 });
    await expect(api.init({ outerOrderNo: 'IVUNSIGNED0001', bizCode: 'FACE', identityParam, merchantConfig })).rejects.toMatchObject({
      code: 'CLOUD_ANSWER_UNVERIFIED',
    });
  });
});

describe('certify and query', () => {
  async function newCertifyId(outerOrderNo: string): Promise<string> {
    const answer = await api.init({ outerOrderNo, bizCode: 'FACE', identityParam, merchantConfig });
    return answer.certify_id as string;
  }

  it('certify answers a signed URL the emulator opens, in either form', async () => {
    const certifyId = await newCertifyId('IVCERTIFY0001');
    const byObject = await api.certify({ certifyId });
    const byPosition = await api.certify(certifyId);
    for (const answer of [byObject, byPosition]) {
      expect(answer).toEqual({ code: '10000', msg: 'Success', url: expect.stringContaining('method=alipay.user.certify.open.certify') });
      expect(await harness.openCertifyUrl(answer.url as string)).toBe(200);
    }
  });

  it('certify puts the URL in body, or nowhere, when told to', async () => {
    const certifyId = await newCertifyId('IVCERTIFY0002');
    harness.cloud.identification.shapes.certifyUrlField = 'body';
    expect(await api.certify({ certifyId })).toEqual({ code: '10000', msg: 'Success', body: expect.stringContaining('/emulator/gateway.do?') });
    harness.cloud.identification.shapes.certifyUrlField = 'neither';
    expect(await api.certify({ certifyId })).toEqual({ code: '10000', msg: 'Success' });
  });

  it('query answers passed as ["F"] then ["T"] as documented, and "T" when told to, in either form', async () => {
    const certifyId = await newCertifyId('IVQUERY0001');
    expect(await api.query({ certifyId })).toEqual({ code: '10000', msg: 'Success', passed: ['F'], identity_info: '{}', material_info: '{}' });
    await harness.setOutcome(certifyId, 'PASSED');
    expect(await api.query(certifyId)).toMatchObject({ passed: ['T'] });
    harness.cloud.identification.shapes.passedForm = 'string';
    expect(await api.query({ certifyId })).toMatchObject({ passed: 'T' });
  });
});

describe('the in-memory database', () => {
  it('finds, counts and updates by equality and $gt/$gte/$lt/$in', async () => {
    const db = new MemoryDatabase();
    const items = db.collection('items');
    await items.insertOne({ name: 'a', at: 1, kind: 'x' });
    await items.insertOne({ name: 'b', at: 2, kind: 'y' });
    await items.insertOne({ name: 'c', at: 3, kind: null });
    expect((await items.count({ at: { $gt: 1 } })).result).toBe(2);
    expect((await items.count({ at: { $gte: 1, $lt: 3 } })).result).toBe(2);
    expect((await items.count({ kind: { $in: ['x', null] } })).result).toBe(2);
    expect((await items.findOne({ kind: null, at: 3 })).result).toMatchObject({ name: 'c' });
    await items.updateOne({ name: 'a', kind: 'x' }, { $set: { kind: 'z' } });
    expect((await items.findOne({ name: 'a' })).result).toMatchObject({ kind: 'z' });
    expect((await items.findOne({ name: 'nobody' })).result).toBeNull();
  });

  it('refuses nested documents and operators it does not implement, with a code', async () => {
    const items = new MemoryDatabase().collection('items');
    const nested = { name: 'a', nested: { deep: 1 } } as unknown as Record<string, string>;
    await expect(items.insertOne(nested)).rejects.toBeInstanceOf(MemoryDatabaseError);
    await expect(items.insertOne(nested)).rejects.toMatchObject({ code: 'MEMORY_DB_UNSUPPORTED' });
    await expect(items.count({ at: { $ne: 1 } as never })).rejects.toMatchObject({ code: 'MEMORY_DB_UNSUPPORTED' });
    await expect(items.updateOne({}, { $inc: { at: 1 } } as never)).rejects.toMatchObject({ code: 'MEMORY_DB_UNSUPPORTED' });
  });
});
