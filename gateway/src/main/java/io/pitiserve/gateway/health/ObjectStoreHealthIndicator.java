package io.pitiserve.gateway.health;

import io.pitiserve.common.storage.ObjectStore;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** Whether the object store answers (readiness). */
@Component
public class ObjectStoreHealthIndicator extends AbstractHealthIndicator {

    private final ObjectStore objects;

    public ObjectStoreHealthIndicator(ObjectStore objects) {
        super("the object store is not reachable");
        this.objects = objects;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (objects.reachable()) {
            builder.up();
        } else {
            // Submissions answer 503 with Retry-After meanwhile; nothing is accepted that cannot be stored.
            builder.down().withDetail("reason", "the bucket does not answer: S3 unreachable, credentials refused"
                    + " or bucket missing");
        }
    }
}
