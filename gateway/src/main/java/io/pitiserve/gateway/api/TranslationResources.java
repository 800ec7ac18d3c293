package io.pitiserve.gateway.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.status.StatusViewUnavailableException;
import io.pitiserve.gateway.webhook.DeliveryAttempt;
import io.pitiserve.gateway.webhook.WebhookLog;
import io.pitiserve.gateway.webhook.WebhookViews;

import org.springframework.stereotype.Component;

/** Turns a {@link JobView} into what clients see, presigning result URLs on the way. */
@Component
public class TranslationResources {

    private final ObjectStore objects;
    private final Duration urlTtl;
    private final WebhookViews webhooks;
    private final Clock clock;

    public TranslationResources(ObjectStore objects, GatewayProperties properties, WebhookViews webhooks,
                                Clock clock) {
        this.clock = clock;
        this.objects = objects;
        this.webhooks = webhooks;
        this.urlTtl = properties.resultUrlTtl();
    }

    public static String path(String jobId) {
        return "/v1/translations/" + jobId;
    }

    public TranslationResource of(JobView view) {
        String self = path(view.jobId());
        TranslationResource.Progress progress = view.progress() == null ? null
                : new TranslationResource.Progress(view.progress().stage(), view.progress().step(), view.progress().of());
        List<TranslationResource.Result> results = List.of();
        if (!view.results().isEmpty()) {
            Instant expires = clock.instant().plus(urlTtl);
            results = view.results().stream().map(r -> result(r, expires)).toList();
        }
        TranslationResource.Error error = view.error() == null ? null
                : new TranslationResource.Error(view.error().code(), view.error().message());
        return new TranslationResource(view.jobId(), view.state().wireName(), progress, view.created(),
                view.started(), view.finished(), view.timings(), JobSpans.of(view.timings()), results, error, view.metadata(), view.notes(),
                view.model(), view.seed(), view.cancelReason(),
                new TranslationResource.Links(self, self + "/events", self + "/cancel"), webhook(view));
    }

    private TranslationResource.Webhook webhook(JobView view) {
        if (view.webhook() == null) {
            return null;
        }
        List<TranslationResource.Delivery> deliveries;
        try {
            deliveries = webhooks.log(view.jobId()).map(WebhookLog::attempts).orElse(List.of()).stream()
                    .map(TranslationResources::delivery).toList();
        } catch (StatusViewUnavailableException e) {
            deliveries = List.of();
        }
        return new TranslationResource.Webhook(view.webhook().url(), view.webhook().events(), deliveries);
    }

    private static TranslationResource.Delivery delivery(DeliveryAttempt a) {
        return new TranslationResource.Delivery(a.webhookId(), a.event(), a.attempt(), a.time(), a.statusCode(),
                a.latencyMs(), a.outcome(), a.error(), a.nextAttemptAt(), a.redelivery());
    }

    private TranslationResource.Result result(TranslationSucceeded.ResultImage image, Instant expires) {
        String url = objects.presignGet(image.key(), urlTtl).toString();
        return new TranslationResource.Result(image.kind(), image.index(), url, expires, image.width(),
                image.height(), image.sha256(), image.bytes());
    }
}
