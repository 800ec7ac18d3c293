package io.pitiserve.common.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    /** The published wire strings: clients match on them, so an enum rename must not change one. */
    private static final String[] PUBLISHED = {
        "invalid_parameter", "invalid_request", "malformed_request", "malformed_multipart", "duplicate_key",
        "unknown_model", "unknown_dataset", "empty_dataset", "incomplete_dataset", "evaluation_too_large",
        "job_too_costly", "unsupported_format", "empty_input", "input_too_large", "dimensions_too_large",
        "truncated_image", "corrupt_image", "unsupported_image_type", "transparent_pixels", "unknown_palette_colour",
        "unknown_label", "empty_sketch", "invalid_depth_layout", "webhook_not_configured", "webhook_url_invalid",
        "webhook_url_https_required", "webhook_url_forbidden", "webhook_url_unresolvable", "webhook_url_disabled",
        "no_webhook", "not_finished", "event_not_subscribed", "unauthorized", "forbidden", "not_found",
        "idempotency_conflict", "already_terminal", "method_not_allowed", "not_acceptable", "request_timeout",
        "body_too_slow", "length_required", "request_too_large", "uri_too_long", "unsupported_media_type",
        "headers_too_large", "not_implemented", "http_version_not_supported", "rate_limited",
        "too_many_jobs_in_flight", "too_many_uploads", "unavailable", "deadline_exceeded", "internal_error"};

    @Test
    void theWireStringsAreExactlyThePublishedOnes() {
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::wire)).containsExactlyInAnyOrder(PUBLISHED);
    }

    @Test
    void everyWireStringNamesItsCodeBack() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ErrorCode.fromWire(code.wire())).contains(code);
            assertThat(code.wire()).matches("[a-z]+(_[a-z]+)*");
        }
        assertThat(ErrorCode.fromWire("INVALID_PARAMETER")).isEmpty();
    }

    @Test
    void aFailureIsRetryableOnlyWhenItSaysSo() {
        assertThat(new ServiceException(ErrorCode.NOT_FOUND, "gone").retryable()).isFalse();
        assertThat(ServiceException.unavailable("busy", java.time.Duration.ofSeconds(2)).retryable()).isTrue();
        assertThat(ServiceException.invalidParameter("seed", "negative").members())
                .isEqualTo(Map.of("parameter", "seed"));
    }
}
