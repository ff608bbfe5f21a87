/**
 * The deployed identification-start: `module.exports = async function (ctx)` once bundled
 * (npm run build:cloud), with the cloud's environment variables, clock and log.
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-qrys3ble.html (cloud.member.identification.init in a cloud function)
 */
import { createIdentificationStart } from './start';

export = createIdentificationStart();
