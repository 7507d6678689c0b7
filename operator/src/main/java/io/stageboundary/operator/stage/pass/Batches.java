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

  /** {@code work} for each item, in parallel; the results in the items' order. */
  public static <T, R> Map<T, R> run(ExecutorService pool, List<T> items, Function<T, R> work) {
    Map<T, CompletableFuture<R>> running = new LinkedHashMap<>();
    items.forEach(item -> running.put(item, CompletableFuture.supplyAsync(() -> work.apply(item), pool)));
    Map<T, R> out = new LinkedHashMap<>();
    running.forEach((item, f) -> out.put(item, f.join()));
    return out;
  }
}
