package io.stageboundary.operator.stage;

import java.util.List;

/** How lists show in messages and events: bounded, so a status never grows with the organisation. */
final class Text {
  private Text() {}

  static String abbreviate(List<String> items, int limit) {
    String shown = String.join(", ", items.subList(0, Math.min(limit, items.size())));
    return items.size() > limit ? shown + " and " + (items.size() - limit) + " more" : shown;
  }
}
