package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReportCsvTest {

  @Test
  void resultsHaveOneRowPerPolicyAndApplicationInReportOrderWithFixedDecimals() {
    String expected = """
        policy,application,profile,vms,objective,submitted_at,finished_at,completion_s,hosting_cost,transfer_cost,\
        migration_cost,total_cost,migrations,bytes_moved,inter_site_bytes,deadline,deadline_met,currency
        none,cg-1,cg,4,cost,2024-03-01T00:00:00Z,2024-03-01T01:00:00Z,3600.000,1.200000,0.050000,0.000000,1.250000,0,0,\
        1500000000,2024-03-01T02:00:00Z,true,EUR
        none,ft-1,ft,4,time,2024-03-01T00:10:00Z,,6600.000,2.000000,0.250000,0.000000,2.250000,0,0,250000000,\
        2024-03-01T01:30:00Z,false,EUR
        none,"lu ""big"", 8",lu,8,cost,2024-03-01T00:00:00Z,2024-03-01T01:23:20Z,5000.000,3.000000,0.000000,0.000000,\
        3.000000,0,0,0,,,EUR
        price-chasing,cg-1,cg,4,cost,2024-03-01T00:00:00Z,2024-03-01T01:05:00Z,3900.000,0.900000,0.150000,0.020000,\
        1.070000,2,8589934592,2000000000,2024-03-01T02:00:00Z,true,EUR
        price-chasing,ft-1,ft,4,time,2024-03-01T00:10:00Z,2024-03-01T01:40:00Z,5400.000,1.500000,0.333333,0.010000,\
        1.843333,1,4294967296,300000000,2024-03-01T01:30:00Z,false,EUR
        price-chasing,"lu ""big"", 8",lu,8,cost,2024-03-01T00:00:00Z,2024-03-01T01:26:40Z,5200.000,2.400000,0.100000,\
        0.020000,2.520000,2,17000000000,1000000000,,,EUR
        vmflock,cg-1,cg,4,cost,2024-03-01T00:00:00Z,2024-03-01T00:58:20Z,3500.000,0.950000,0.010000,0.010000,0.970000,1,\
        4294967296,100000000,2024-03-01T02:00:00Z,true,EUR
        vmflock,ft-1,ft,4,time,2024-03-01T00:10:00Z,2024-03-01T01:28:20Z,4700.000,1.600000,0.050000,0.010000,1.660000,1,\
        4294967296,50000000,2024-03-01T01:30:00Z,true,EUR
        vmflock,"lu ""big"", 8",lu,8,cost,2024-03-01T00:00:00Z,2024-03-01T01:21:40Z,4900.000,2.600000,0.000000,0.015000,\
        2.615000,1,8589934592,0,,,EUR
        """;
    assertEquals(expected, ReportWriter.resultsCsv(SampleReports.small()));
  }

  @Test
  void timelineHasOneRowPerPointAndAColumnPerSiteInReportOrderWithZeroForAbsentSites() {
    String expected = """
        policy,time,seconds,cumulative_cost,running_migrations,finished_applications,vms@lyon,vms@rennes,vms@nancy
        none,2024-03-01T00:00:00Z,0.000,0.000000,0,0,8,8,0
        none,2024-03-01T00:30:00Z,1800.000,1.500000,0,0,8,8,0
        none,2024-03-01T01:00:00Z,3600.250,3.250000,0,1,4,4,4
        price-chasing,2024-03-01T00:00:00Z,0.000,0.000000,0,0,8,8,0
        price-chasing,2024-03-01T00:30:00Z,1800.000,1.250000,1,0,7,8,1
        price-chasing,2024-03-01T01:00:00Z,3600.250,2.750000,0,1,3,4,5
        vmflock,2024-03-01T00:00:00Z,0.000,0.000000,0,0,8,8,0
        vmflock,2024-03-01T00:30:00Z,1800.000,1.000000,2,0,6,8,2
        vmflock,2024-03-01T01:00:00Z,3600.250,2.250000,0,1,2,4,6
        """;
    assertEquals(expected, ReportWriter.timelineCsv(SampleReports.small()));
  }

  @Test
  void sitesOnlyTheTimelineMentionsComeAfterTheReportsSitesSorted() {
    SimulationReport one = SampleReports.single();
    TimelinePoint p = new TimelinePoint("vmflock", SampleReports.START.plusSeconds(60),
        new TreeMap<>(Map.of("zurich", 1, "brest", 1)), -0.0, 0, 0);
    PolicyRun run = new PolicyRun("vmflock", one.runs().get(0).applications(),
        List.of(one.runs().get(0).timeline().get(0), p), one.runs().get(0).stats());
    SimulationReport r = new SimulationReport("s", 1, one.start(), List.of("lyon"), List.of(run), one.trafficByProfile());
    assertEquals("""
        policy,time,seconds,cumulative_cost,running_migrations,finished_applications,vms@lyon,vms@brest,vms@zurich
        vmflock,2024-03-01T00:00:00Z,0.000,0.000000,0,0,2,0,0
        vmflock,2024-03-01T00:01:00Z,60.000,0.000000,0,0,0,1,1
        """, ReportWriter.timelineCsv(r));
  }

  @Test
  void instantsAreWrittenToTheSecond() {
    assertEquals("2024-03-01T01:00:00Z", ReportFormat.instant(java.time.Instant.parse("2024-03-01T01:00:00.250Z")));
    assertEquals("2024-03-01T15:10:20Z", ReportFormat.instant(java.time.Instant.parse("2024-03-01T15:10:19.553069105Z")));
    assertEquals("2024-03-01T00:00:00Z", ReportFormat.instant(java.time.Instant.parse("2024-03-01T00:00:00Z")));
  }

  @Test
  void numbersRoundHalfUpWithoutLocaleOrNegativeZero() {
    assertEquals("1234567.125", ReportFormat.fixed(1234567.125, 3));
    assertEquals("0.000", ReportFormat.fixed(-0.0001, 3));
    assertEquals("1000000000000000000000", ReportFormat.fixed(1e21, 0));
    assertEquals("", ReportFormat.fixed(Double.NaN, 2));
  }
}
