//! Writing images as PNG files: screenshots (RGBA) and print previews (grey).

use std::io::BufWriter;
use std::path::Path;

/// Writes 8-bit RGBA pixels, row-major.
pub fn write_rgba(path: &Path, width: u32, height: u32, rgba: &[u8]) -> std::io::Result<()> {
    write(path, width, height, png::ColorType::Rgba, rgba)
}

/// Writes 8-bit greyscale pixels, row-major.
pub fn write_gray(path: &Path, width: u32, height: u32, gray: &[u8]) -> std::io::Result<()> {
    write(path, width, height, png::ColorType::Grayscale, gray)
}

/// Encodes greyscale pixels as PNG bytes in memory.
pub fn encode_gray(width: u32, height: u32, gray: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out, width, height, png::ColorType::Grayscale, gray).expect("writing to memory cannot fail");
    out
}

fn encode<W: std::io::Write>(w: W, width: u32, height: u32, color: png::ColorType, data: &[u8]) -> std::io::Result<()> {
    let mut enc = png::Encoder::new(w, width, height);
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(std::io::Error::other)?;
    writer.write_image_data(data).map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)
}

fn write(path: &Path, width: u32, height: u32, color: png::ColorType, data: &[u8]) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    encode(BufWriter::new(file), width, height, color, data)
}
