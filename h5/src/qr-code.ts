/**
 * The QR code of this page's address, for a person who opened it on a desktop browser in real
 * mode: only the Alipay app can run the face check, so they scan it with Alipay's 扫一扫. The
 * `qrcode` package encodes (a well-kept library, not a hand-written encoder); this file draws
 * its module matrix as SVG elements through the DOM, which the page's Content-Security-Policy
 * allows as it is (no inline style, no data: image, no canvas export).
 * @see https://github.com/soldair/node-qrcode#createtext-options
 */
import { create } from 'qrcode/lib/core/qrcode';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** The blank margin a reader needs around the symbol, in modules (ISO/IEC 18004: 4). */
const QUIET_ZONE = 4;

/**
 * The dark modules as one SVG path: a 1×1 square per module, joined into one `d` so the
 * document holds one element, not hundreds.
 */
export function qrCodePath(text: string): { size: number; d: string } {
  const modules = create(text, { errorCorrectionLevel: 'M' }).modules;
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row += 1) {
    for (let column = 0; column < modules.size; column += 1) {
      if (modules.get(row, column)) parts.push(`M${column + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
    }
  }
  return { size: modules.size + 2 * QUIET_ZONE, d: parts.join('') };
}

/**
 * Replaces `container`'s content with the QR code of `text`, an image whose accessible name is
 * `label` (what it holds and what to do with it).
 */
export function drawQrCode(document: Document, container: HTMLElement, text: string, label: string): void {
  const symbol = qrCodePath(text);
  const size = symbol.size;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', String(size));
  background.setAttribute('height', String(size));
  background.setAttribute('fill', '#ffffff');
  const dark = document.createElementNS(SVG_NS, 'path');
  dark.setAttribute('d', symbol.d);
  dark.setAttribute('fill', '#000000');
  svg.append(background, dark);
  container.textContent = '';
  container.append(svg);
}
