import Testing
import TunerCore

@testable import TunerOrchestration

/// How `tuner run` reads the index a finding names and drops findings that repeat one another.
@Suite struct FindingDedupTests {
    @Test func theDoctorsAndTheAdvisorsWordingOfAnIndexReadTheSame() throws {
        let doctor = try #require(IndexedColumns("public.order_items (order_id)"))
        let advisor = try #require(IndexedColumns("order_items (Order_ID)"))
        #expect(doctor == advisor)
        #expect(doctor.description == "order_items(order_id)")
        let quoted = try #require(IndexedColumns("shop.\"Orders\" (customer_id, \"created_at\")"))
        #expect(quoted.schema == "shop" && quoted.table == "orders" && quoted.columns == ["customer_id", "created_at"])
        #expect(quoted.description == "shop.orders(customer_id,created_at)")
        for notAnIndex in ["public.orders", "orders ()", "(id)", "orders (a,,b)", "SELECT 1"] {
            #expect(IndexedColumns(notAnIndex) == nil, "\(notAnIndex)")
        }
    }

    @Test func anIndexCoversTheOnesItsLeadingColumnsWouldBe() throws {
        let wide = try #require(IndexedColumns("orders (customer_id, created_at)"))
        #expect(wide.covers(try #require(IndexedColumns("public.orders (customer_id)"))))
        #expect(wide.covers(wide))
        #expect(!wide.covers(try #require(IndexedColumns("orders (created_at)"))))
        #expect(!wide.covers(try #require(IndexedColumns("customers (customer_id)"))))
        #expect(!wide.covers(try #require(IndexedColumns("shop.orders (customer_id)"))))
        #expect(!wide.covers(try #require(IndexedColumns("orders (customer_id, created_at, id)"))))
    }

    static func finding(_ id: String, _ object: String, _ severity: Severity = .warning, source: String = "test") -> Finding {
        Finding(id: id, severity: severity, object: object, title: "\(id) on \(object)", why: "", source: source)
    }

    @Test func theAdvisorsIndexWinsOverTheDoctorsForeignKeyIndexItServes() {
        let findings = [
            Self.finding("missing-fk-index", "public.order_items (order_id)", source: "doctor"),
            Self.finding("missing-fk-index", "public.reviews (customer_id)", source: "doctor"),
            Self.finding("missing-index", "order_items (order_id, product_id)", source: "advisor"),
            Self.finding("seq-scan-heavy", "public.order_items", .critical, source: "run"),
            Self.finding("seq-scan-heavy", "public.order_items", .critical, source: "run"),
        ]
        let kept = RunWorkflow.withoutRepeats(findings)
        #expect(kept.count == 3)
        #expect(Set(kept.map(\.object)) == ["public.order_items", "order_items (order_id, product_id)", "public.reviews (customer_id)"])
        #expect(kept.first?.severity == .critical)
        #expect(kept.first { $0.object.hasPrefix("order_items") }?.source == "advisor")
    }

    @Test func aNarrowerAdvisorIndexDoesNotHideAWiderForeignKey() {
        let findings = [
            Self.finding("missing-index", "orders (customer_id)", source: "advisor"),
            Self.finding("missing-fk-index", "public.orders (customer_id, region)", source: "doctor"),
        ]
        #expect(RunWorkflow.withoutRepeats(findings).count == 2)
    }
}
