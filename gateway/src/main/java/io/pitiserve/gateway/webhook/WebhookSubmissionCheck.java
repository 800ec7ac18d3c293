package io.pitiserve.gateway.webhook;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.gateway.status.StatusViewUnavailableException;
import io.pitiserve.gateway.submission.WebhookTargetCheck;

import org.springframework.stereotype.Component;

/**
 * The webhook checks of a submission: the tenant can sign, the URL passes the SSRF guard (its
 * host resolves, to acceptable addresses only) and no 410 disabled it. Codes:
 * {@code webhook_not_configured}, {@code webhook_url_invalid}, {@code webhook_url_https_required},
 * {@code webhook_url_forbidden}, {@code webhook_url_unresolvable}, {@code webhook_url_disabled}.
 */
@Component
public class WebhookSubmissionCheck implements WebhookTargetCheck {

    private final WebhookUrlGuard guard;
    private final WebhookSigners signers;
    private final WebhookViews views;

    public WebhookSubmissionCheck(WebhookUrlGuard guard, WebhookSigners signers, WebhookViews views) {
        this.guard = guard;
        this.signers = signers;
        this.views = views;
    }

    @Override
    public Refusal check(String tenant, TranslationParams.Webhook webhook) {
        if (signers.of(tenant).isEmpty()) {
            return new Refusal(ErrorCode.WEBHOOK_NOT_CONFIGURED, "this API key's tenant has no webhook signing secret"
                    + " configured, so its webhooks could not be signed; ask the operator to set"
                    + " pitiserve.gateway.tenants[].webhook-secret");
        }
        try {
            guard.check(webhook.url());
        } catch (WebhookUrlRefusedException e) {
            ErrorCode code = switch (e.code()) {
                case "https_required" -> ErrorCode.WEBHOOK_URL_HTTPS_REQUIRED;
                case "forbidden_address" -> ErrorCode.WEBHOOK_URL_FORBIDDEN;
                case "unresolvable" -> ErrorCode.WEBHOOK_URL_UNRESOLVABLE;
                default -> ErrorCode.WEBHOOK_URL_INVALID;
            };
            return new Refusal(code, e.getMessage());
        }
        try {
            var disabled = views.disabled(tenant, webhook.url());
            if (disabled.isPresent()) {
                return new Refusal(ErrorCode.WEBHOOK_URL_DISABLED, "this webhook URL answered 410 Gone at "
                        + disabled.get().since() + " and is disabled for this tenant; POST"
                        + " /v1/translations/{id}/webhook/redeliver for a job that used it re-enables it");
            }
        } catch (StatusViewUnavailableException e) {
            // The dispatcher checks again before each attempt.
        }
        return null;
    }
}
