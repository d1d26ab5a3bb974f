package io.chatroom.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartSvgTests {

    private static Point point(String label, double deliveriesPerSecond, double p99) {
        return new Point(
                label,
                10,
                1,
                1,
                100,
                100,
                64,
                0,
                1,
                100,
                deliveriesPerSecond,
                1000,
                1000,
                0,
                0,
                0,
                0,
                0,
                null,
                0,
                1,
                new Latency(1000, 1, 2, p99, p99, p99, 1),
                1.0,
                3.0,
                null,
                Map.of(),
                1,
                1);
    }

    @Test
    void resultRoundTripsThroughJsonAndRendersBothPanels(@TempDir Path dir) throws Exception {
        RunResult result =
                new RunResult(
                        "exp1",
                        "2026-01-01T00:00:00Z",
                        Map.of("cores", "2", "cpuModel", "Test <CPU>"),
                        Map.of(),
                        List.of(point("100x10", 50_000, 4.5), point("1000x10", 120_000, 9)),
                        Map.of());

        RunResult read = ResultFiles.read(ResultFiles.write(dir, result));
        String svg = ChartSvg.render(read);

        assertThat(read.points()).hasSize(2);
        assertThat(read.points().get(1).correct()).isTrue();
        assertThat(svg).startsWith("<svg").contains("deliveries/s", "p99 latency (ms)", "1000x10");
        assertThat(svg).contains("Test &lt;CPU&gt;").doesNotContain("<CPU>");
    }

    @Test
    void axisCeilingIsARoundNumber() {
        assertThat(ChartSvg.niceCeiling(0)).isEqualTo(1);
        assertThat(ChartSvg.niceCeiling(7.3)).isEqualTo(10);
        assertThat(ChartSvg.niceCeiling(123_000)).isEqualTo(200_000);
        assertThat(ChartSvg.niceCeiling(240)).isEqualTo(250);
    }
}
