# frozen_string_literal: true

# GET /products: the catalog.
class ProductsController < ApplicationController
  def index
    render json: { products: Product.order(:sku).map { |p| p.as_json.merge("weight_kg" => p.weight_kg.to_f) } }
  end
end
