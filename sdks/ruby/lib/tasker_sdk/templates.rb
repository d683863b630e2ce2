# frozen_string_literal: true

module TaskerSdk
  # Template files an app ships, read as text for `POST /v1/templates` (the server parses and
  # validates them; a 422 names each problem).
  module Templates
    EXTENSIONS = %w[.yml .yaml .json].freeze

    # Reads `sources`: directories (searched recursively for *.yml, *.yaml, *.json, in name
    # order), files, or YAML text itself (a String with a newline). Returns the texts.
    def self.read(sources)
      Array(sources).flat_map do |source|
        source = source.to_s
        next [source] if source.include?("\n")
        next files_in(source).map { |f| File.read(f, encoding: "UTF-8") } if File.directory?(source)
        next [File.read(source, encoding: "UTF-8")] if File.file?(source)

        raise ArgumentError, "template source #{source.inspect} is neither a file nor a directory"
      end
    end

    def self.files_in(dir)
      Dir.glob(File.join(dir, "**", "*")).select { |f| File.file?(f) && EXTENSIONS.include?(File.extname(f)) }.sort
    end
  end
end
