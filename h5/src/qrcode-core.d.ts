/**
 * Types for the one entry of the `qrcode` package (1.5.4) the page bundles: its encoder,
 * without the canvas, PNG and string renderers of the package's main entry.
 * @see https://github.com/soldair/node-qrcode#createtext-options
 */
declare module 'qrcode/lib/core/qrcode' {
  export interface QrCodeOptions {
    /** L, M, Q or H: how much of the symbol may be damaged and still read. Default M. */
    errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
  }
  /** The symbol's modules: `size` × `size`, `get(row, column)` truthy for a dark module. */
  export interface QrCodeModules {
    size: number;
    get(row: number, column: number): number | boolean;
  }
  export interface QrCodeSymbol {
    modules: QrCodeModules;
    version: number;
  }
  /** Encodes `text` in the smallest version that holds it at the level asked for. */
  export function create(text: string, options?: QrCodeOptions): QrCodeSymbol;
}
