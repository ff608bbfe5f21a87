/**
 * The deployed identification-status: `module.exports = async function (ctx)` once bundled
 * (npm run build:cloud), with the cloud's environment variables, clock and log.
 * @see https://m.w3cschool.cn/aliminiapp/aliminiapp-bc763blg.html (cloud.member.identification.query in a cloud function)
 */
import { createIdentificationStatus } from './status';

export = createIdentificationStatus();
