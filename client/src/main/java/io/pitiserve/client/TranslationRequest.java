package io.pitiserve.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One submission to {@code POST /v1/translations}: the input, the parameters and how to send them.
 * Build it with {@link #builder(String)}; instances are immutable. The gateway checks every value;
 * a bad one is answered with a {@link ProblemException} whose code names it.
 */
public final class TranslationRequest {

    /** How the request travels. */
    public enum Encoding {
        /** {@code multipart/form-data}: an {@code input} file part and a {@code params} JSON part. */
        MULTIPART,
        /** {@code application/json}: {@code {"input": {"base64": ...} or {"s3": ...}, "params": {...}}}. */
        JSON
    }

    private final byte[] input;
    private final String contentType;
    private final String fileName;
    private final String s3Input;
    private final Map<String, Object> params;
    private final String idempotencyKey;
    private final String traceparent;
    private final Duration wait;
    private final Encoding encoding;

    private TranslationRequest(Builder builder) {
        this.input = builder.input;
        this.contentType = builder.contentType;
        this.fileName = builder.fileName;
        this.s3Input = builder.s3Input;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(builder.members));
        this.idempotencyKey = builder.idempotencyKey;
        this.traceparent = builder.traceparent;
        this.wait = builder.wait;
        this.encoding = builder.encoding != null ? builder.encoding
                : s3Input != null ? Encoding.JSON : Encoding.MULTIPART;
    }

    /** A request for {@code task}: {@code mask}, {@code sketch} or {@code depth}. */
    public static Builder builder(String task) {
        return new Builder().param("task", task);
    }

    /** The parameters as sent: snake_case names, JSON values. */
    public Map<String, Object> params() {
        return params;
    }

    /** The input bytes, or null for an input named by {@link #s3Input()}. */
    public byte[] input() {
        return input == null ? null : input.clone();
    }

    public String contentType() {
        return contentType;
    }

    public String fileName() {
        return fileName;
    }

    /** The {@code s3://bucket/key} of an input already in the service bucket, or null. */
    public String s3Input() {
        return s3Input;
    }

    public String idempotencyKey() {
        return idempotencyKey;
    }

    /** The W3C trace context the job's trace continues, or null. */
    public String traceparent() {
        return traceparent;
    }

    /** How long the gateway may hold the answer for the job to finish ({@code Prefer: wait}); zero: not at all. */
    public Duration waitFor() {
        return wait;
    }

    public Encoding encoding() {
        return encoding;
    }

    /** Builds a {@link TranslationRequest}; every setter names the API parameter it sets. */
    public static final class Builder extends JobRequestBuilder<Builder> {

        private byte[] input;
        private String contentType;
        private String fileName;
        private String s3Input;
        private String traceparent;
        private Duration wait = Duration.ZERO;
        private Encoding encoding;

        private Builder() {
        }

        /** The input image (PNG; JPEG for sketch and depth) and its media type, e.g. {@code image/png}. */
        public Builder input(byte[] bytes, String contentType) {
            this.input = Objects.requireNonNull(bytes, "bytes").clone();
            this.contentType = Objects.requireNonNull(contentType, "contentType");
            this.fileName = this.fileName == null ? "input" + extension(contentType) : this.fileName;
            this.s3Input = null;
            return this;
        }

        /** The input image from a file; its media type follows the file name (.png, .jpg, .jpeg). */
        public Builder input(Path file) {
            String name = file.getFileName().toString();
            String lower = name.toLowerCase(Locale.ROOT);
            String type = lower.endsWith(".jpg") || lower.endsWith(".jpeg") ? "image/jpeg" : "image/png";
            try {
                input(Files.readAllBytes(file), type);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            this.fileName = name;
            return this;
        }

        /** The file name the multipart upload gives the input. */
        public Builder fileName(String fileName) {
            this.fileName = Objects.requireNonNull(fileName, "fileName");
            return this;
        }

        /** An input already in the service bucket ({@code s3://<bucket>/<key>}); sent as JSON. */
        public Builder s3Input(String s3Uri) {
            this.s3Input = Objects.requireNonNull(s3Uri, "s3Uri");
            this.input = null;
            this.contentType = null;
            return this;
        }

        /** {@code model}: a model name, version or {@code name@version}; absent: the task's default model. */
        public Builder model(String model) {
            return param("model", model);
        }

        /** {@code num_samples}: 1 to 4 images from one input (default 1). */
        public Builder numSamples(int samples) {
            return param("num_samples", samples);
        }

        /** {@code guidance_scale}: classifier-free guidance strength, 0 to 20. */
        public Builder guidanceScale(double scale) {
            return param("guidance_scale", scale);
        }

        /** {@code guidance}: {@code cfg} or {@code normalized}. */
        public Builder guidance(String guidance) {
            return param("guidance", guidance);
        }

        /** {@code base_steps}: the base stage's respacing, e.g. {@code "15"}, {@code "ddim25"}, {@code "fast27"}. */
        public Builder baseSteps(String steps) {
            return param("base_steps", steps);
        }

        /** {@code sr_steps}: the upsampler's respacing, like {@link #baseSteps(String)}. */
        public Builder srSteps(String steps) {
            return param("sr_steps", steps);
        }

        /** {@code sampler}: ddpm, ddim, dpmpp_2m, dpmpp_2m_logsnr, dpmpp_2m_karras or dpmpp_2m_sde. */
        public Builder sampler(String sampler) {
            return param("sampler", sampler);
        }

        /** {@code eta}: DDIM's noise, 0 to 1. */
        public Builder eta(double eta) {
            return param("eta", eta);
        }

        /** {@code return_base}: also return the 64 px base images. */
        public Builder returnBase(boolean returnBase) {
            return param("return_base", returnBase);
        }

        /**
         * Any parameter by its API name, for parameters this client has no setter for; a null value
         * removes it. Values are written as JSON (strings, numbers, booleans, lists, maps).
         */
        public Builder param(String name, Object value) {
            return put(name, value);
        }

        /**
         * {@code traceparent}: a W3C trace context (e.g. of the caller's own span), so the job's trace
         * and its webhooks continue the caller's trace.
         */
        public Builder traceparent(String traceparent) {
            this.traceparent = traceparent;
            return this;
        }

        /**
         * {@code Prefer: wait=N}: let the gateway hold its answer up to {@code wait} (whole seconds, at most
         * 60) for the job to finish.
         */
        public Builder waitFor(Duration wait) {
            if (wait.isNegative() || wait.compareTo(PitiServeClient.MAX_WAIT) > 0) {
                throw new IllegalArgumentException("the wait must be 0 to 60 s, not " + wait);
            }
            this.wait = wait;
            return this;
        }

        /** How the request travels; by default multipart for bytes, JSON for an {@code s3://} input. */
        public Builder encoding(Encoding encoding) {
            this.encoding = Objects.requireNonNull(encoding, "encoding");
            return this;
        }

        public TranslationRequest build() {
            if (input == null && s3Input == null) {
                throw new IllegalStateException("a request needs an input: input(bytes, type), input(path) or s3Input(uri)");
            }
            if (s3Input != null && encoding == Encoding.MULTIPART) {
                throw new IllegalStateException("an s3:// input travels as JSON, not multipart");
            }
            return new TranslationRequest(this);
        }

        private static String extension(String contentType) {
            return contentType.toLowerCase(Locale.ROOT).contains("jpeg") ? ".jpg" : ".png";
        }
    }
}
