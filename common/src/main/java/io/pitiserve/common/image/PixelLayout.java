package io.pitiserve.common.image;

/** What one pixel of an image is made of, as its header declares it. */
public enum PixelLayout {
    /** One grey sample. */
    GREY,
    /** A grey sample and an alpha sample. */
    GREY_ALPHA,
    /** Red, green, blue (for JPEG: three components, normally YCbCr, decoded to RGB). */
    RGB,
    /** Red, green, blue, alpha. */
    RGB_ALPHA,
    /** An index into a colour palette (PNG colour type 3). */
    INDEXED,
    /** Four JPEG components (CMYK or YCCK); not decodable by piti-serve. */
    CMYK
}
