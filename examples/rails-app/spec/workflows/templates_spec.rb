# frozen_string_literal: true

require "yaml"

# The app's templates are hono-app's (the reference) with the `_rb` namespace suffix: same steps,
# dependencies, retry and timeout settings, initialization and input schemas. Every callable has
# a handler here and every handler a step.
RSpec.describe "config/tasker templates" do
  reference_dir = Rails.root.join("../hono-app/templates")

  Dir[Rails.root.join("config/tasker/*/*.yaml")].each do |path|
    template = YAML.safe_load(File.read(path))
    reference_namespace = template["namespace_name"].delete_suffix("_rb")

    it "keeps #{File.basename(path)} in step with hono-app's #{reference_namespace} template" do
      reference = YAML.safe_load(File.read(reference_dir.join(reference_namespace, File.basename(path))))
      expect(template["namespace_name"]).to eq("#{reference['namespace_name']}_rb")
      expect(template.slice("name", "version",
                            "input_schema")).to eq(reference.slice("name", "version", "input_schema"))
      expect(template["steps"].size).to eq(reference["steps"].size)
      template["steps"].zip(reference["steps"]).each do |ours, theirs|
        expect(ours.except("handler", "description")).to eq(theirs.except("handler", "description"))
        expect(ours["handler"]["callable"]).to eq(theirs["handler"]["callable"].sub(/\A#{reference_namespace}\./,
                                                                                    "#{template['namespace_name']}."))
        expect(ours["handler"]["initialization"]).to eq(theirs["handler"]["initialization"])
      end
    end
  end

  it "has a handler for every step and a step for every handler (27)" do
    callables = Dir[Rails.root.join("config/tasker/*/*.yaml")].flat_map do |path|
      YAML.safe_load(File.read(path))["steps"].map { |s| s["handler"]["callable"] }
    end
    expect(callables.size).to eq(27)
    expect(Orchestration.registry.callables).to eq(callables.sort)
  end
end
