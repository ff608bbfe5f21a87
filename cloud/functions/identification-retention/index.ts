/**
 * The deployed identification-retention: `module.exports = async function (ctx)` once bundled
 * (npm run build:cloud), run daily by a timer trigger, with the cloud's environment, clock and log.
 * @see https://help.aliyun.com/document_detail/435815.html (ctx.env.MP_SOURCE)
 */
import { createIdentificationRetention } from './retention';

export = createIdentificationRetention();
