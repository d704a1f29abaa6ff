// Parses printer bytes with npos, an ESC/POS parser independent of ghiseu
// (and of the Rust `escpos` crate), for ghiseu's tests.
//
//   node parse.js FILE ENCODING [RASTER.pbm]
//
// Prints one JSON object: `commands` (every command in order, e.g. "ESC t"
// with its parameter bytes), `text` (the printable runs, decoded from
// ENCODING with iconv, e.g. cp852; `ESC d n` counts as n line breaks), `qr` (payloads stored with GS ( k) and,
// when RASTER.pbm is given, writes every GS v 0 raster stacked into one PBM.
'use strict';
const fs = require('fs');
const npos = require('npos');
const iconv = require('iconv-lite');

// npos has no rule for GS ( k (2D codes): its length is the usual pL pH.
npos.rules[npos.symbols.GS]['(k'] = [0, 'd16'];

const [file, encoding, pbm] = process.argv.slice(2);
const raw = fs.readFileSync(file);

npos.parser(npos.rules).parse(raw).then((ast) => {
  const commands = [];
  const text = [];
  const qr = [];
  const rasters = [];
  for (const node of ast.tree) {
    if (node.ascii === 'STX') {
      // A run of printable bytes (npos labels text runs STX).
      text.push(iconv.decode(raw.slice(node.offset, node.offset + node.length), encoding));
      continue;
    }
    const name = `${node.ascii} ${node.fn || ''}`.trim();
    if (name === 'GS v0') {
      // The raster codec moved `offset` to the image data and set its size.
      commands.push({ name, params: [node.width / 8, node.height] });
      rasters.push(node);
      continue;
    }
    // The bytes after the command's own name: its parameters.
    const body = raw.slice(node.offset + 1 + (node.fn || '').length, node.offset + node.length);
    commands.push({ name, params: Array.from(body.slice(0, 8)) });
    // ESC d n prints the line and feeds n lines: a line break in the text.
    if (name === 'ESC d') text.push('\n'.repeat(body[0]));
    if (name === 'GS (k') {
      // pL pH cn fn [m] data: fn 80 (0x50) stores the symbol's data.
      const len = body[0] + body[1] * 256;
      const fn = body[3];
      if (fn === 80) qr.push(body.slice(5, 2 + len).toString('latin1'));
    }
  }
  const out = { commands, text: text.join(''), qr, rasters: rasters.length, error: ast.error ? String(ast.error) : null };
  if (pbm) {
    const decoded = ast.entries.filter((e) => e.type === 'raster');
    const bitmaps = decoded.map((e) => e.data);
    if (bitmaps.length) {
      const width = Math.max(...bitmaps.map((b) => b.width));
      const height = bitmaps.reduce((h, b) => h + b.height, 0);
      const rows = [];
      for (const b of bitmaps) {
        for (let y = 0; y < b.height; y++) {
          let row = '';
          for (let x = 0; x < width; x++) row += x < b.width && b.getPixel(x, y) === 0 ? '1' : '0';
          rows.push(row);
        }
      }
      fs.writeFileSync(pbm, `P1\n${width} ${height}\n${rows.join('\n')}\n`);
      out.raster = { width, height };
    }
  }
  process.stdout.write(JSON.stringify(out));
});
