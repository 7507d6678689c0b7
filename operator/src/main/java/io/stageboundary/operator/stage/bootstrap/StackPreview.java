package io.stageboundary.operator.stage.bootstrap;

import io.stageboundary.operator.stage.pass.Preflight;
import java.util.Optional;

/** A plan's look at one bootstrap stack: what would be written, or what stands in the way, or neither. */
public record StackPreview(Optional<StackWrite> write, Optional<Preflight> blocker) {
  static final StackPreview NOTHING = new StackPreview(Optional.empty(), Optional.empty());

  static StackPreview writes(StackWrite w) {
    return new StackPreview(Optional.of(w), Optional.empty());
  }

  static StackPreview blocked(Preflight p) {
    return new StackPreview(Optional.empty(), Optional.of(p));
  }
}
