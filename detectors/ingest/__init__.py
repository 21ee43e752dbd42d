"""The event contract and its decoding: wire parsing, validation and rejections, columns of
valid events, the author memo and text sentiment."""
