package io.pitiserve.worker.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Jobs waiting for admission, taken in weighted fair order across tenants with strict priority on
 * top. Each tenant has a virtual time that grows by {@code cost / weight} with every job it is
 * admitted; the next job comes from the tenant with the smallest virtual time among those whose
 * best waiting job has the highest priority. A tenant that had nothing waiting starts again at the
 * current virtual time, so idleness earns no credit and a burst of one tenant cannot starve another:
 * a newcomer's first job is admitted at the latest after one job of every other tenant. Not
 * thread-safe.
 *
 * @param <T> the queued jobs
 */
final class FairQueue<T extends FairQueue.Entry> {

    /** What the queue needs to know of a job. */
    interface Entry {
        String tenant();

        int priority();

        /** Submission order, unique. */
        long sequence();

        /** The work the job costs its tenant (decoder rows times steps). */
        double cost();
    }

    private static final Comparator<Entry> ORDER = Comparator.comparingInt(Entry::priority).reversed()
            .thenComparingLong(Entry::sequence);

    private final Map<String, Integer> weights;
    private final Map<String, TreeSet<T>> waiting = new HashMap<>();
    private final Map<String, Double> virtualTimes = new HashMap<>();
    private double now;
    private int size;

    FairQueue(Map<String, Integer> weights) {
        this.weights = Map.copyOf(weights);
    }

    void add(T entry) {
        TreeSet<T> queue = waiting.computeIfAbsent(entry.tenant(), t -> new TreeSet<>(ORDER));
        if (queue.isEmpty()) {
            virtualTimes.merge(entry.tenant(), now, Math::max);
        }
        queue.add(entry);
        size++;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Takes the next job in fair order among those that {@code fits} accepts; null when none does. */
    T poll(Predicate<? super T> fits) {
        T best = null;
        double bestTime = 0;
        for (Map.Entry<String, TreeSet<T>> tenant : waiting.entrySet()) {
            T candidate = null;
            for (T entry : tenant.getValue()) {
                if (fits.test(entry)) {
                    candidate = entry;
                    break;
                }
            }
            if (candidate == null) {
                continue;
            }
            double time = virtualTimes.getOrDefault(tenant.getKey(), now);
            if (best == null || before(candidate, time, best, bestTime)) {
                best = candidate;
                bestTime = time;
            }
        }
        if (best != null) {
            remove(best);
            now = Math.max(now, bestTime);
            virtualTimes.put(best.tenant(), bestTime + best.cost() / weight(best.tenant()));
        }
        return best;
    }

    /** Removes and returns every waiting job that {@code drop} accepts. */
    List<T> removeIf(Predicate<? super T> drop) {
        List<T> dropped = new ArrayList<>();
        for (TreeSet<T> queue : waiting.values()) {
            for (Iterator<T> it = queue.iterator(); it.hasNext(); ) {
                T entry = it.next();
                if (drop.test(entry)) {
                    it.remove();
                    dropped.add(entry);
                    size--;
                }
            }
        }
        waiting.values().removeIf(TreeSet::isEmpty);
        return dropped;
    }

    private void remove(T entry) {
        TreeSet<T> queue = waiting.get(entry.tenant());
        queue.remove(entry);
        if (queue.isEmpty()) {
            waiting.remove(entry.tenant());
        }
        size--;
    }

    private static boolean before(Entry a, double aTime, Entry b, double bTime) {
        if (a.priority() != b.priority()) {
            return a.priority() > b.priority();
        }
        if (aTime != bTime) {
            return aTime < bTime;
        }
        return a.sequence() < b.sequence();
    }

    private int weight(String tenant) {
        return weights.getOrDefault(tenant, 1);
    }
}
