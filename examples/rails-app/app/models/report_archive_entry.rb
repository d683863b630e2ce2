# frozen_string_literal: true

# A long-term copy of a finished report (what archive_results writes).
class ReportArchiveEntry < ApplicationRecord
  self.table_name = "report_archive"
end
