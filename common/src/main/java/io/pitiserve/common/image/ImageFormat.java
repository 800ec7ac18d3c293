package io.pitiserve.common.image;

/** The container formats piti-serve decodes. */
public enum ImageFormat {
    PNG,
    JPEG
}
