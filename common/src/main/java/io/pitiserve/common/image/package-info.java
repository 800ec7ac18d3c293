/**
 * Client input images: cheap header checks against {@link io.pitiserve.common.image.InputLimits} before
 * decoding, validation with stable error codes ({@link io.pitiserve.common.image.InvalidInputException}),
 * and conversion of masks, sketches and depth maps into the exact 256 x 256 condition tensors PITI was
 * trained on ({@link io.pitiserve.common.image.ConditionPreprocessor}); and PNG encoding of results.
 *
 * <p>Decoding uses the JDK's ImageIO ({@code java.desktop} module, headless); pixels are read as raw
 * samples with no colour management and JPEG EXIF orientation is ignored, both as Pillow does in the
 * training code (which never calls {@code exif_transpose}).
 */
package io.pitiserve.common.image;
