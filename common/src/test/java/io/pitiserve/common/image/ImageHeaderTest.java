package io.pitiserve.common.image;

import static io.pitiserve.common.image.InputRefusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageHeaderTest {

    @Test
    void aPngHeaderGivesFormatDimensionsAndLayout() {
        ImageHeader header = ImageHeader.read(TestImages.rgbPng(3, 2, new int[6]));

        assertThat(header).isEqualTo(new ImageHeader(ImageFormat.PNG, 3, 2, 8, PixelLayout.RGB));
    }

    @Test
    void greyAndIndexedPngsAreToldApart() {
        assertThat(ImageHeader.read(TestImages.greyPng(2, 2, 0, 1, 2, 3)).layout()).isEqualTo(PixelLayout.GREY);
        assertThat(ImageHeader.read(TestImages.indexedPng(2, 1, new int[] {0, 0xffffff}, 0, 1)).layout())
                .isEqualTo(PixelLayout.INDEXED);
    }

    @Test
    void aJpegHeaderIsFoundBehindItsOtherSegments() {
        ImageHeader header = ImageHeader.read(TestImages.rgbJpeg(37, 21, 0x336699));

        assertThat(header).isEqualTo(new ImageHeader(ImageFormat.JPEG, 37, 21, 8, PixelLayout.RGB));
    }

    @Test
    void aPngDeclaringHundredThousandPixelsSquareIsReadWithoutDecoding() {
        ImageHeader header = ImageHeader.read(TestImages.pngDeclaring(100_000, 100_000));

        assertThat(header.width()).isEqualTo(100_000);
        assertThat(header.height()).isEqualTo(100_000);
    }

    @Test
    void emptyInputIsRefusedAsEmpty() {
        assertRefused(() -> ImageHeader.read(new byte[0]), "empty_input")
                .hasMessageContaining("empty");
    }

    @Test
    void textIsRefusedAsUnsupportedFormatNamingItsFirstBytes() {
        byte[] text = "{\"hello\": 1}".getBytes(StandardCharsets.US_ASCII);

        assertRefused(() -> ImageHeader.read(text), "unsupported_format")
                .hasMessageContaining("not a PNG or JPEG").hasMessageContaining("7b 22 68");
    }

    @Test
    void aGifIsRefusedByName() {
        byte[] gif = "GIF89a\u0001\u0000\u0001\u0000".getBytes(StandardCharsets.ISO_8859_1);

        assertRefused(() -> ImageHeader.read(gif), "unsupported_format")
                .hasMessageContaining("GIF").hasMessageContaining("PNG and JPEG");
    }

    @Test
    void aPngCutInsideItsHeaderIsTruncated() {
        byte[] png = Arrays.copyOf(TestImages.rgbPng(4, 4, new int[16]), 20);

        assertRefused(() -> ImageHeader.read(png), "truncated_image")
                .hasMessageContaining("20 bytes").hasMessageContaining("IHDR");
    }

    @Test
    void aFileCutInsideThePngSignatureIsTruncated() {
        byte[] png = Arrays.copyOf(TestImages.rgbPng(4, 4, new int[16]), 5);

        assertRefused(() -> ImageHeader.read(png), "truncated_image")
                .hasMessageContaining("signature");
    }

    @Test
    void aJpegCutBeforeItsFrameHeaderIsTruncated() {
        byte[] jpeg = Arrays.copyOf(TestImages.rgbJpeg(8, 8, 0), 10);

        assertRefused(() -> ImageHeader.read(jpeg), "truncated_image")
                .hasMessageContaining("JPEG");
    }

    @Test
    void aPngHeaderWithABadChecksumIsCorrupt() {
        byte[] png = TestImages.rgbPng(4, 4, new int[16]);
        png[17] ^= 1; // a bit of the width

        assertRefused(() -> ImageHeader.read(png), "corrupt_image")
                .hasMessageContaining("CRC");
    }

    @Test
    void aPngDeclaringZeroWidthIsCorrupt() {
        assertRefused(() -> ImageHeader.read(TestImages.pngDeclaring(0, 10)), "corrupt_image")
                .hasMessageContaining("0 x 10");
    }

    @Test
    void aJpegWithoutAFrameBeforeItsScanIsCorrupt() {
        byte[] jpeg = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xda, 0, 2, 0, 0};

        assertRefused(() -> ImageHeader.read(jpeg), "corrupt_image")
                .hasMessageContaining("0xFFDA");
    }

    @Test
    void aLosslessJpegIsAnUnsupportedImageType() {
        byte[] jpeg = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xc3, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0};

        assertRefused(() -> ImageHeader.read(jpeg), "unsupported_image_type")
                .hasMessageContaining("SOF3");
    }
}
