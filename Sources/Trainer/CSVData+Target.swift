// The target column of a parsed CSV: missing cells, the task (given or inferred) and the class indices.

extension CSVData {
    /// Most distinct integer values an inferred classification may have (see `parse`).
    public static let maxInferredClasses = 20

    static func finish(_ table: inout CSVTable, x: [Float], trainRows: Int, separateValidation: Bool,
                       task hint: TaskHint?, name: String) throws(DatasetError) -> LabeledData
    {
        let target = table.target
        func at(_ o: CSVTable.Origin, _ message: String) -> DatasetError {
            DatasetError(file: table.files[o.file], line: o.line, field: o.field + 1, column: table.names[o.field], message)
        }
        if table.missingCount > 0 && table.missing == .error, let first = table.missingAt.first {
            let places = table.missingAt.map { o in
                (o.file == first.file ? "" : table.files[o.file] + ":") + "\(o.line):\(o.field + 1) '\(table.names[o.field])'"
            }
            let count = table.missingCount == 1 ? "1 missing cell" : "\(table.missingCount) missing cells in all"
            throw at(first, "missing value (empty, NA, NaN, null, None or ?); \(count), first at "
                     + places.joined(separator: ", ") + (table.missingCount > places.count ? ", …" : "")
                     + "; fill them in, or set missing: \"drop\" on the csv dataset to drop their rows")
        }
        var notes: [String] = []
        if table.droppedRows > 0 {
            notes.append("\(table.droppedRows) row\(table.droppedRows == 1 ? "" : "s") with missing values dropped")
        }
        // Located just after the file's header, where the first data row was expected.
        func afterHeader(_ k: Int) -> Int? { k < table.headerLines.count ? table.headerLines[k] + 1 : nil }
        guard trainRows > 0 else {
            throw DatasetError(file: table.files[0], line: afterHeader(0), field: 1, table.droppedRows > 0
                               ? "every data row has a missing value" : "no data rows after the header")
        }
        if separateValidation && table.rows == trainRows {
            throw DatasetError(file: table.files[1], line: afterHeader(1), field: 1, "no data rows after the header")
        }
        let numeric = table.firstNonNumeric == nil
        let distinct = table.tooManyLabels ? nil : table.labelNames.count
        let kind: TaskHint
        if let hint {
            kind = hint
            notes.insert("task \(hint.rawValue) (set by the dataset's task)", at: 0)
        } else if !numeric {
            kind = .classification
            notes.insert("task classification (inferred: the target '\(target)' has text values)", at: 0)
        } else if table.allIntegral, let k = distinct,
                  k <= 2 || (k <= maxInferredClasses && k * 20 <= trainRows) {
            kind = .classification
            notes.insert("task classification (inferred: the target '\(target)' holds \(k) distinct integers in "
                         + "\(trainRows) rows; set task: \"regression\" to override)", at: 0)
        } else {
            kind = .regression
            let why = !table.allIntegral ? "has fractional values"
                : "holds \(distinct.map(String.init) ?? "over \(CSVTable.maxLabels)") distinct integers in \(trainRows) rows"
            notes.insert("task regression (inferred: the target '\(target)' \(why); set task: \"classification\" to override)",
                         at: 0)
        }
        var features = table.names
        features.remove(at: table.targetIndex)
        var data = LabeledData(name: name, featureNames: features, task: .regression(outputs: 1), x: x, y: [])
        data.validationFrom = separateValidation ? trainRows : nil
        data.notes = notes
        switch kind {
        case .regression:
            if let o = table.firstNonNumeric {
                let shown = table.firstNonNumericText.map { "'\($0)'" } ?? "a value that is not a number"
                throw at(o, "regression needs a numeric target, got \(shown)")
            }
            data.y = table.values
        case .classification:
            (data.task, data.y) = try classes(of: table, numeric: numeric, separateValidation: separateValidation)
        }
        return data
    }

    /// The classes (sorted numerically if all are numbers, else by text) and each row's class index.
    static func classes(of table: borrowing CSVTable, numeric: Bool, separateValidation: Bool)
        throws(DatasetError) -> (TaskKind, [Double])
    {
        guard !table.tooManyLabels else {
            throw DatasetError(file: table.files[0], column: table.target, "has more than \(CSVTable.maxLabels) "
                               + "distinct values; classification supports up to \(CSVTable.maxLabels) classes")
        }
        var order = Array(table.labelNames.indices)
        if numeric {
            let values = table.labelValues
            order.sort { (values[$0], table.labelNames[$0]) < (values[$1], table.labelNames[$1]) }
        } else {
            order.sort { table.labelNames[$0] < table.labelNames[$1] }
        }
        guard order.count >= 2 else {
            // Located where the only class first appears.
            let o = table.labelOrigins.first
            throw DatasetError(file: table.files[o?.file ?? 0], line: o?.line, field: o.map { $0.field + 1 },
                               column: table.target, "classification needs at least 2 classes, found \(order.count)")
        }
        if separateValidation, let unseen = table.labelOrigins.firstIndex(where: { $0.file > 0 }) {
            let o = table.labelOrigins[unseen]
            throw DatasetError(file: table.files[o.file], line: o.line, field: o.field + 1, column: table.names[o.field],
                               "class '\(table.labelNames[unseen])' does not occur in the training file \(table.files[0])")
        }
        var rank = [Double](repeating: 0, count: order.count)
        for (position, id) in order.enumerated() { rank[id] = Double(position) }
        return (.classification(classes: order.map { table.labelNames[$0] }), table.labelIDs.map { rank[Int($0)] })
    }
}
