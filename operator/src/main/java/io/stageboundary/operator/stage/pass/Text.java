package io.stageboundary.operator.stage.pass;

import java.util.List;

/** How lists show in messages and events: bounded, so a status never grows with the organisation. */
public final class Text {
  private Text() {}

  public static String abbreviate(List<String> items, int limit) {
    String shown = String.join(", ", items.subList(0, Math.min(limit, items.size())));
    return items.size() > limit ? shown + " and " + (items.size() - limit) + " more" : shown;
  }
}
