package io.pitiserve.gateway.config;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.AdminClient;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The admin the gateway's KafkaTemplate asks for the cluster id of its send observations. Spring's
 * own admin looks the id up on the calling thread until it succeeds, so with the broker down every
 * submission would wait out an admin timeout (and log a stack trace) before its send even starts.
 * This one answers at once with the id known so far (null until then) and asks the broker in the
 * background, one question at a time.
 */
final class ClusterIdLookup extends KafkaAdmin {

    private final AdminClient admin;
    private final AtomicBoolean asking = new AtomicBoolean();

    ClusterIdLookup(Map<String, Object> config, AdminClient admin) {
        super(config);
        this.admin = admin;
    }

    @Override
    public String clusterId() {
        String known = getClusterId();
        if (known == null && asking.compareAndSet(false, true)) {
            admin.describeCluster().clusterId().whenComplete((id, error) -> {
                if (id != null) {
                    setClusterId(id);
                }
                asking.set(false);
            });
        }
        return known;
    }
}
