//! A small bar chart as PNG, for the reports' emails: groups of bars (one group per month, one
//! bar per series) on a light grid, no text — the labels and the legend are in the HTML around
//! it, so no font is needed and Chinese reads as Chinese in every mail client.

/// Series colours (RGB), also used by the HTML legend.
pub const COLOURS: [[u8; 3]; 6] = [
    [0x1f, 0x77, 0xb4],
    [0xff, 0x7f, 0x0e],
    [0x2c, 0xa0, 0x2c],
    [0xd6, 0x27, 0x28],
    [0x94, 0x67, 0xbd],
    [0x8c, 0x56, 0x4b],
];

/// Width and height of the chart in pixels.
pub const SIZE: (u32, u32) = (640, 240);

/// Draws `groups` (each a list of values, one per series) as grouped bars; returns PNG bytes.
pub fn bars(groups: &[Vec<usize>]) -> Result<Vec<u8>, png::EncodingError> {
    let (width, height) = SIZE;
    let mut pixels = vec![255u8; (width * height * 3) as usize];
    let mut fill = |x0: u32, y0: u32, x1: u32, y1: u32, colour: [u8; 3]| {
        for y in y0.min(height)..y1.min(height) {
            for x in x0.min(width)..x1.min(width) {
                let i = ((y * width + x) * 3) as usize;
                pixels[i..i + 3].copy_from_slice(&colour);
            }
        }
    };
    let (left, right, top, bottom) = (16u32, width - 16, 16u32, height - 24);
    let max = groups.iter().flatten().copied().max().unwrap_or(0).max(1);
    // Horizontal grid lines at quarters of the maximum.
    for k in 0..=4 {
        let y = bottom - (bottom - top) * k / 4;
        fill(left, y, right, y + 1, if k == 0 { [0x44, 0x44, 0x44] } else { [0xe0, 0xe0, 0xe0] });
    }
    let group_width = (right - left) / groups.len().max(1) as u32;
    for (g, values) in groups.iter().enumerate() {
        let series = values.len().max(1) as u32;
        let bar = (group_width * 3 / 4 / series).max(1);
        let x0 = left + g as u32 * group_width + group_width / 8;
        for (s, value) in values.iter().enumerate() {
            let h = (bottom - top) * (*value as u32) / max as u32;
            let x = x0 + s as u32 * bar;
            fill(x, bottom - h, x + bar.saturating_sub(1).max(1), bottom, COLOURS[s % COLOURS.len()]);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_png_with_coloured_bars_in_proportion() {
        let png = bars(&[vec![1, 4], vec![2, 0]]).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().expect("decodes");
        let mut buffer = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buffer).expect("frame");
        assert_eq!((info.width, info.height), SIZE);
        let coloured = |c: [u8; 3]| buffer.chunks(3).filter(|p| *p == c).count();
        // Series 1 (value 4) covers about four times the pixels of series 0's first bar (1) and
        // twice its second (2): 4 vs 1 + 2.
        let (a, b) = (coloured(COLOURS[0]), coloured(COLOURS[1]));
        assert!(a > 0 && b > 0);
        let ratio = b as f64 / a as f64;
        assert!((ratio - 4.0 / 3.0).abs() < 0.1, "{ratio}");
        assert!(bars(&[]).is_ok(), "an empty chart is still an image");
    }
}
