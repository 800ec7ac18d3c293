package io.pitiserve.worker.scheduler;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Admission order across tenants: weighted shares, no starvation, strict priority, fit predicate. */
class FairQueueTest {

    private record Job(String tenant, int priority, long sequence, double cost) implements FairQueue.Entry {
    }

    private long sequence;

    private Job job(String tenant, int priority) {
        return new Job(tenant, priority, sequence++, 10);
    }

    private static List<String> drain(FairQueue<Job> queue, int count) {
        List<String> order = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Job next = queue.poll(j -> true);
            if (next == null) {
                break;
            }
            order.add(next.tenant());
        }
        return order;
    }

    @Test
    void aSingleJobOfOneTenantIsAdmittedRightAfterTheJobRunningWhenItArrivesNotAfterAnotherTenantsBurst() {
        FairQueue<Job> queue = new FairQueue<>(Map.of());
        for (int i = 0; i < 200; i++) {
            queue.add(job("burst", 0));
        }
        assertThat(drain(queue, 3)).containsOnly("burst");
        queue.add(job("single", 0));
        List<String> next = drain(queue, 2);
        assertThat(next).contains("single");
        assertThat(queue.size()).isEqualTo(200 - 3 - 1);
    }

    @Test
    void tenantsShareAdmissionsInProportionToTheirWeights() {
        FairQueue<Job> queue = new FairQueue<>(Map.of("gold", 3));
        for (int i = 0; i < 60; i++) {
            queue.add(job("gold", 0));
            queue.add(job("basic", 0));
        }
        List<String> order = drain(queue, 40);
        long gold = order.stream().filter("gold"::equals).count();
        assertThat(gold).isBetween(29L, 31L);
    }

    @Test
    void anIdleTenantEarnsNoCreditWhileOthersRun() {
        FairQueue<Job> queue = new FairQueue<>(Map.of());
        for (int i = 0; i < 20; i++) {
            queue.add(job("a", 0));
        }
        drain(queue, 10);
        for (int i = 0; i < 10; i++) {
            queue.add(job("b", 0));
        }
        // b arrives late: it alternates with a from now on instead of taking ten turns in a row.
        List<String> order = drain(queue, 6);
        assertThat(order).containsExactly("b", "a", "b", "a", "b", "a");
    }

    @Test
    void aHigherPriorityJobGoesFirstWhateverItsTenantsShareAndOrderWithinATenantIsByPriority() {
        FairQueue<Job> queue = new FairQueue<>(Map.of());
        queue.add(job("a", 0));
        queue.add(job("b", 0));
        Job urgent = job("a", 5);
        queue.add(urgent);
        assertThat(queue.poll(j -> true)).isEqualTo(urgent);
        assertThat(queue.poll(j -> true).tenant()).isEqualTo("b");
        assertThat(queue.poll(j -> true).tenant()).isEqualTo("a");
        assertThat(queue.poll(j -> true)).isNull();
    }

    @Test
    void aJobThatDoesNotFitIsSkippedWithoutLosingItsPlaceAndDroppedJobsLeaveTheQueue() {
        FairQueue<Job> queue = new FairQueue<>(Map.of());
        Job big = new Job("a", 0, sequence++, 100);
        Job small = job("b", 0);
        Job dropped = job("c", 0);
        queue.add(big);
        queue.add(small);
        queue.add(dropped);
        assertThat(queue.removeIf(j -> j == dropped)).containsExactly(dropped);
        assertThat(queue.poll(j -> j.cost() < 50)).isEqualTo(small);
        assertThat(queue.poll(j -> j.cost() < 50)).isNull();
        assertThat(queue.poll(j -> true)).isEqualTo(big);
        assertThat(queue.isEmpty()).isTrue();
    }
}
