#!/usr/bin/env python3
"""The colours of a screenshot, for the HTML report's browser test.

  png_colours.py FILE.png [RRGGBB...]

Prints `colours N` (distinct colours), then `RRGGBB PIXELS` for each colour
asked about. Only what Chromium writes is read: 8-bit RGB or RGBA, not
interlaced (no pillow needed: zlib and the five PNG filters suffice).
"""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("png_colours: %s: not a PNG" % path)
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                sys.exit("png_colours: %s: not 8-bit RGB(A), non-interlaced" % path)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    prev, out, i = bytearray(stride), [], 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = prev[x], prev[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + pred) & 255
        out.extend(bytes(line[x:x + 3]) for x in range(0, stride, channels))
        prev = line
    return out


def main():
    counts = {}
    for p in pixels(sys.argv[1]):
        counts[p] = counts.get(p, 0) + 1
    print("colours %d" % len(counts))
    for want in sys.argv[2:]:
        print("%s %d" % (want, counts.get(bytes.fromhex(want), 0)))


main()
