package io.stageboundary.operator.stage.pass;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/** Per-account work in parallel on the bounded pool, so a pass over many accounts stays short. */
public final class Batches {
  private Batches() {}

  /**
   * How many accounts (or account/region pairs) one pass takes on: eight times the pool's threads,
   * 256 at the default 32. A pass also has a cost that does not grow with what it takes on (the
   * stack set and its instances, every account's view and status), so a round of a StackSet
   * operation, which makes a quarter of 1,000 accounts current at once, is checked in one pass,
   * not two. At four times the threads the document change's last round took 64 s to prove after
   * its operation ended, at eight 38 s, and the apply took as long (docs/benchmarks.md).
   */
  public static int perPass(int threads) {
    return Math.max(1, threads) * 8;
  }

  /** {@code work} for each item, in parallel; the results in the items' order. */
  public static <T, R> Map<T, R> run(ExecutorService pool, List<T> items, Function<T, R> work) {
    Map<T, CompletableFuture<R>> running = new LinkedHashMap<>();
    items.forEach(item -> running.put(item, CompletableFuture.supplyAsync(() -> work.apply(item), pool)));
    Map<T, R> out = new LinkedHashMap<>();
    running.forEach((item, f) -> out.put(item, f.join()));
    return out;
  }
}
