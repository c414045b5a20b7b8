import Testing

@testable import TunerPostgres

/// The advisor's readers of plan text: conditions, sort keys, statement text, candidate shapes.
struct AdvisorParsingTests {
    private func column(_ alias: String, _ name: String) -> ColumnReference { ColumnReference(alias: alias, column: name) }

    @Test(arguments: [
        ("((t.a = $1) AND (t.b > 5))", [ColumnPredicate.equality(.init(alias: "t", column: "a")), .range(.init(alias: "t", column: "b"))]),
        ("(t.c ~~ 'abc%'::text)", [.likePrefix(.init(alias: "t", column: "c"))]),
        ("(t.c ~~ '%abc'::text)", []),
        ("(t.c ~~ $2)", [.likeParameter(.init(alias: "t", column: "c"))]),
        ("(o.customer_id = c.id)", [.join(.init(alias: "o", column: "customer_id"), .init(alias: "c", column: "id"))]),
        ("(t.a = ANY (ARRAY[$1, $2, $3]))", [.equality(.init(alias: "t", column: "a"))]),
        ("((t.a = 1) OR (t.b = 2))", []),
        ("(lower(t.email) = $1)", []),
        ("((t.v)::text = 'x'::text)", [.equality(.init(alias: "t", column: "v"))]),
        ("((t.x IS NULL) AND (t.y IS NOT NULL))", [.equality(.init(alias: "t", column: "x"))]),
        ("(5 < t.a)", [.range(.init(alias: "t", column: "a"))]),
        ("(\"Odd Table\".\"Col\" = 1)", [.equality(.init(alias: "Odd Table", column: "Col"))]),
        ("(t.d > (now() - '1 day'::interval))", [.range(.init(alias: "t", column: "d"))]),
        ("(t.a = t.b)", []),
        ("(t.flag = true)", [.equality(.init(alias: "t", column: "flag"))]),
        ("((t.a <> $1) AND (t.b = 'it''s'::text))", [.equality(.init(alias: "t", column: "b"))]),
    ])
    func conditionsBecomeColumnPredicates(condition: String, expected: [ColumnPredicate]) {
        #expect(ConditionParser.predicates(in: condition) == expected)
    }

    @Test func sortKeysKeepDirectionAndSkipExpressions() {
        #expect(ConditionParser.sortKey("t.d") == SortKey(column: column("t", "d"), isDescending: false, nullsFirst: nil))
        #expect(ConditionParser.sortKey("t.d DESC") == SortKey(column: column("t", "d"), isDescending: true, nullsFirst: nil))
        #expect(ConditionParser.sortKey("t.d DESC NULLS LAST")?.nullsFirst == false)
        #expect(ConditionParser.sortKey("t.d NULLS FIRST")?.nullsFirst == true)
        #expect(ConditionParser.sortKey("t.d DESC NULLS FIRST")?.nullsFirst == nil, "the default for DESC")
        #expect(ConditionParser.sortKey("(t.a + 1)") == nil)
        #expect(ConditionParser.sortKey("t.c COLLATE \"C\"") == nil)
    }

    @Test func statementTextFacts() {
        #expect(SQLText("SELECT $1, '$7', $10 -- $11\n").parameterCount == 10)
        #expect(SQLText("SELECT \"$3\" FROM t WHERE a = $2 /* $9 */").parameterCount == 2)
        #expect(SQLText("/* app */ (SELECT 1)").leadingKeyword == "select")
        #expect(SQLText("-- x\nUPDATE t SET a = 1;").isPlannable)
        #expect(!SQLText("SET work_mem = '1GB'").isPlannable)
        #expect(SQLText("SELECT 1;  ").text == "SELECT 1")
    }

    @Test func identifiersAreQuotedOnlyWhenNeeded() {
        #expect(SQLIdentifier.quote("orders") == "orders")
        #expect(SQLIdentifier.quote("order") == "\"order\"")
        #expect(SQLIdentifier.quote("Orders") == "\"Orders\"")
        #expect(SQLIdentifier.quote("a\"b") == "\"a\"\"b\"")
    }

    @Test func candidatesPutEqualityFirstRangeNextAndSortLast() {
        let table = TableName(schema: "public", name: "orders")
        func info(_ name: String, distinct: Double) -> ColumnInfo {
            ColumnInfo(name: name, type: "integer", collation: "", distinctValues: distinct, nullFraction: 0)
        }
        let catalog = TableInfo(
            name: table, kind: "r", estimatedRows: 200_000, pages: 2000,
            columns: ["status": info("status", distinct: 5), "customer_id": info("customer_id", distinct: 5000),
                      "created_at": info("created_at", distinct: 200_000)],
            indexes: [], activity: TableWriteActivity(inserted: 0, updated: 0, hotUpdated: 0, deleted: 0, scans: 0))
        var usage = TableUsage(table: table)
        usage.equality = ["status", "customer_id"]
        usage.range = ["created_at"]
        let shapes = CandidateGenerator.candidates(for: usage, table: catalog).map { $0.columns.map(\.name) }
        #expect(shapes.contains(["customer_id", "status", "created_at"]))
        #expect(shapes.contains(["customer_id", "status"]))
        #expect(!shapes.contains { $0.first == "created_at" && $0.count > 1 }, "a range column never leads")

        var sorted = TableUsage(table: table)
        sorted.equality = ["customer_id"]
        sorted.sort = [SortKey(column: column("o", "created_at"), isDescending: true, nullsFirst: nil)]
        let sortShapes = CandidateGenerator.candidates(for: sorted, table: catalog).map { $0.columns.map(\.sql) }
        #expect(sortShapes.contains(["customer_id", "created_at"]), "a uniform direction needs no DESC")
    }

    @Test func noWideCandidateBehindAUniqueColumn() {
        let table = TableName(schema: "public", name: "orders")
        let primaryKey = ExistingIndex(
            table: table, name: "orders_pkey", columns: [IndexColumn(name: "id")], method: "btree", isUnique: true,
            isPrimary: true, backsConstraint: true, isValid: true, isPartial: false, sizeBytes: 0, scans: 0,
            definition: "")
        let catalog = TableInfo(
            name: table, kind: "r", estimatedRows: 200_000, pages: 2000,
            columns: ["id": ColumnInfo(name: "id", type: "integer", collation: "", distinctValues: 200_000, nullFraction: 0),
                      "total": ColumnInfo(name: "total", type: "numeric", collation: "", distinctValues: 1000, nullFraction: 0)],
            indexes: [primaryKey], activity: TableWriteActivity(inserted: 0, updated: 0, hotUpdated: 0, deleted: 0, scans: 0))
        var usage = TableUsage(table: table)
        usage.join = ["id"]
        usage.range = ["total"]
        let shapes = CandidateGenerator.candidates(for: usage, table: catalog).map { $0.columns.map(\.name) }
        #expect(shapes == [["id"], ["total"]])
    }

    @Test func planJSONIsRead() throws {
        let json = """
            [{"Plan": {"Node Type": "Limit", "Startup Cost": 0.5, "Total Cost": 12.25, "Plan Rows": 10,
              "Plans": [{"Node Type": "Index Scan", "Relation Name": "orders", "Schema": "public", "Alias": "o",
                         "Index Name": "<13556>btree_orders_customer_id", "Startup Cost": 0.42, "Total Cost": 160.1,
                         "Plan Rows": 40, "Index Cond": "(o.customer_id = $1)"}]}}]
            """
        let plan = try PlanReader.read(json)
        #expect(plan.totalCost == 12.25)
        #expect(plan.relationsByAlias == ["o": TableName(schema: "public", name: "orders")])
        #expect(plan.indexNames == ["<13556>btree_orders_customer_id"])
        #expect(HypotheticalIndexes.oid(inIndexName: "<13556>btree_orders_customer_id") == 13556)
        let usage = CandidateGenerator.usage(of: plan)
        #expect(usage["o"]?.equality == ["customer_id"])
        #expect(throws: PlanReader.Failure.self) { try PlanReader.read("not json") }
    }
}

/// pg_stat_statements turns `interval '1 day'` into `interval $2`, which does not parse: the planner casts instead.
struct TypedPlaceholderTests {
    @Test(arguments: [
        ("SELECT 1 FROM t WHERE d > now() - interval $2", "SELECT 1 FROM t WHERE d > now() - CAST($2 AS interval)"),
        ("SELECT 1 FROM t WHERE d >= date $1 AND d < DATE $2", "SELECT 1 FROM t WHERE d >= CAST($1 AS date) AND d < CAST($2 AS DATE)"),
        ("SELECT 1 FROM t WHERE d BETWEEN timestamp $1 AND timestamptz $2",
         "SELECT 1 FROM t WHERE d BETWEEN CAST($1 AS timestamp) AND CAST($2 AS timestamptz)"),
        ("SELECT 1 FROM t WHERE d > timestamp with time zone $1", "SELECT 1 FROM t WHERE d > CAST($1 AS timestamp with time zone)"),
        ("SELECT 1 FROM t WHERE d > now() - interval $1 day", "SELECT 1 FROM t WHERE d > now() - CAST($1 AS interval day)"),
        ("SELECT interval $1 hour to minute, $2", "SELECT CAST($1 AS interval hour to minute), $2"),
        ("SELECT 1 FROM t WHERE id = uuid $1", "SELECT 1 FROM t WHERE id = CAST($1 AS uuid)"),
        // Untouched: plain placeholders, a column named like a type, literals and comments.
        ("SELECT 1 FROM t WHERE a = $1 LIMIT $2", "SELECT 1 FROM t WHERE a = $1 LIMIT $2"),
        ("SELECT 1 FROM t WHERE t.date = $1", "SELECT 1 FROM t WHERE t.date = $1"),
        ("SELECT 'date $1', \"date\" $2 /* interval $3 */", "SELECT 'date $1', \"date\" $2 /* interval $3 */"),
    ])
    func typedLiteralPlaceholdersBecomeCasts(normalized: String, planned: String) {
        #expect(SQLText(normalized).castingTypedPlaceholders == planned)
    }
}
